"""Metadata API over SOAP: listMetadata and readMetadata, hand-written over our own session.

``sf.mdapi`` (zeep) ignores the injected session: no CA bundle, no timeout, no retries
(salesforce-api-notes §14.2). Two operations need ~100 lines, so we build the envelopes and parse
the answers ourselves with ElementTree, and turn records into nested dicts with the Metadata
API's field names (the snapshot's ``metadata`` section).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from sfscan.collect.errors import SourceUnavailable

SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/"
METADATA_NS = "http://soap.sforce.com/2006/04/metadata"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
READ_BATCH = 10  # readMetadata accepts at most 10 names per call for these types
LIST_BATCH = 3  # listMetadata accepts at most 3 queries per call

# Fields that are lists even with a single element (the WSDL's maxOccurs="unbounded").
LIST_FIELDS = frozenset(
    {
        "scopes",
        "ipRanges",
        "trustedIpRanges",
        "profileName",
        "permissionSetName",
        "customAttributes",
        "customScopes",
        "attributes",
        "loginIpRanges",
    }
)
# Complex fields: an empty element is an empty object, not an empty string.
COMPLEX_FIELDS = frozenset(
    {
        "oauthConfig",
        "oauthPolicy",
        "sessionPolicy",
        "samlConfig",
        "idTokenConfig",
        "assetTokenConfig",
        "sessionSettings",
        "networkAccess",
        "passwordPolicies",
        "singleSignOnSettings",
    }
)
# Text fields that must stay strings even when they look like a number or a boolean.
STRING_FIELDS = frozenset(
    {
        "fullName",
        "label",
        "description",
        "start",
        "end",
        "startIpAddress",
        "endIpAddress",
        "contactEmail",
        "contactPhone",
        "consumerKey",
        "callbackUrl",
        "externalClientApplication",
        "oauthClientCredentialUser",
        "clientCredentialsFlowUser",
        "commaSeparatedProfile",
        "commaSeparatedPermissionSet",
        "commaSeparatedOauthScopes",
        "startUrl",
        "mobileStartUrl",
        "singleLogoutUrl",
        "certificate",
        "orgScopedExternalApp",
    }
)
_INT = re.compile(r"-?[0-9]+")
Record = dict[str, Any]


@dataclass(frozen=True)
class SoapFault:
    code: str
    message: str


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _convert_text(name: str, text: str) -> Any:
    if name in STRING_FIELDS:
        return text
    if text == "true":
        return True
    if text == "false":
        return False
    if _INT.fullmatch(text):
        return int(text)
    return text


def element_to_value(element: ET.Element) -> Any:
    """A Metadata API XML element as plain data; xsi attributes are dropped."""
    name = _local(element.tag)
    if element.get(f"{{{XSI_NS}}}nil") == "true":
        return None
    children = list(element)
    if not children:
        text = (element.text or "").strip()
        if not text and name in COMPLEX_FIELDS:
            return {}
        return _convert_text(name, text)
    grouped: dict[str, list[Any]] = {}
    for child in children:
        grouped.setdefault(_local(child.tag), []).append(element_to_value(child))
    # A known list field stays a list with one element; any element that repeats is a list.
    return {
        key: values if key in LIST_FIELDS or len(values) > 1 else values[0]
        for key, values in grouped.items()
    }


# -- envelopes -----------------------------------------------------------------------------------


def _envelope(session_id: str, operation: str) -> tuple[ET.Element, ET.Element]:
    env = ET.Element(f"{{{SOAP_NS}}}Envelope")
    header = ET.SubElement(env, f"{{{SOAP_NS}}}Header")
    session_header = ET.SubElement(header, f"{{{METADATA_NS}}}SessionHeader")
    ET.SubElement(session_header, f"{{{METADATA_NS}}}sessionId").text = session_id
    body = ET.SubElement(env, f"{{{SOAP_NS}}}Body")
    return env, ET.SubElement(body, f"{{{METADATA_NS}}}{operation}")


def list_metadata_envelope(session_id: str, types: Sequence[str], api_version: str) -> bytes:
    env, op = _envelope(session_id, "listMetadata")
    for metadata_type in types:
        query = ET.SubElement(op, f"{{{METADATA_NS}}}queries")
        ET.SubElement(query, f"{{{METADATA_NS}}}type").text = metadata_type
    ET.SubElement(op, f"{{{METADATA_NS}}}asOfVersion").text = api_version
    return bytes(ET.tostring(env, encoding="utf-8", xml_declaration=True))


def read_metadata_envelope(session_id: str, metadata_type: str, full_names: Sequence[str]) -> bytes:
    env, op = _envelope(session_id, "readMetadata")
    ET.SubElement(op, f"{{{METADATA_NS}}}type").text = metadata_type
    for name in full_names:
        ET.SubElement(op, f"{{{METADATA_NS}}}fullNames").text = name
    return bytes(ET.tostring(env, encoding="utf-8", xml_declaration=True))


# -- responses -----------------------------------------------------------------------------------


def find_fault(root: ET.Element) -> SoapFault | None:
    for element in root.iter():
        if _local(element.tag) == "Fault":
            code = message = ""
            for child in element:
                if _local(child.tag) == "faultcode":
                    code = (child.text or "").strip().rpartition(":")[2]
                elif _local(child.tag) == "faultstring":
                    message = " ".join((child.text or "").split())
            return SoapFault(code or "UNKNOWN_FAULT", message)
    return None


def _results(root: ET.Element) -> Iterable[ET.Element]:
    return (el for el in root.iter() if _local(el.tag) == "result")


def parse_list_response(root: ET.Element) -> list[tuple[str, str]]:
    """(type, fullName) of every component listMetadata returned."""
    out = []
    for result in _results(root):
        fields = {_local(child.tag): (child.text or "").strip() for child in result}
        if fields.get("fullName"):
            out.append((fields.get("type", ""), fields["fullName"]))
    return out


def parse_read_response(root: ET.Element) -> list[Record]:
    """The records readMetadata returned; a name it could not find comes back empty (skipped)."""
    records = []
    for result in _results(root):
        for element in result:
            if _local(element.tag) != "records":
                continue
            value = element_to_value(element)
            if isinstance(value, dict) and value.get("fullName"):
                records.append(value)
    return records


# -- reading types -------------------------------------------------------------------------------

SoapCall = Callable[[Callable[[str], bytes]], ET.Element]


@dataclass
class MetadataRead:
    records: list[Record]
    # "metadata:<Type>" or "metadata:<Type>:<fullName>" -> "<CODE>: <message>"
    unavailable: dict[str, str]


def _batches(items: Sequence[str], size: int) -> Iterable[Sequence[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


class MetadataReader:
    """listMetadata + readMetadata for a few types, recording what could not be read.

    ``soap`` sends one envelope (built from the current session id, so a renewed session is
    used on retry) and returns the parsed response; it raises SourceUnavailable for a fault.
    """

    def __init__(self, soap: SoapCall, api_version: str) -> None:
        self._soap = soap
        self._api_version = api_version

    def list_names(self, types: Sequence[str]) -> tuple[dict[str, list[str]], dict[str, str]]:
        """fullNames per type; a type that could not be listed goes to the second dict."""
        names: dict[str, list[str]] = {t: [] for t in types}
        failed: dict[str, str] = {}
        for batch in _batches(types, LIST_BATCH):
            try:
                root = self._soap(partial(self._list_envelope, batch))
            except SourceUnavailable:
                if len(batch) == 1:
                    raise
                # One bad type faults the whole call: ask per type to find which one.
                for metadata_type in batch:
                    try:
                        single = self._list_one(metadata_type)
                    except SourceUnavailable as exc:
                        failed[metadata_type] = exc.reason
                        continue
                    names[metadata_type].extend(single)
                continue
            for metadata_type, full_name in parse_list_response(root):
                names.setdefault(metadata_type, []).append(full_name)
        return {t: sorted(set(v)) for t, v in names.items() if t not in failed}, failed

    def _list_envelope(self, types: Sequence[str], session_id: str) -> bytes:
        return list_metadata_envelope(session_id, types, self._api_version)

    def _list_one(self, metadata_type: str) -> list[str]:
        root = self._soap(partial(self._list_envelope, [metadata_type]))
        return [name for _, name in parse_list_response(root)]

    def read(self, metadata_type: str, full_names: Sequence[str]) -> MetadataRead:
        """Read ``full_names`` in batches of 10; every name not returned is reported."""
        records: list[Record] = []
        unavailable: dict[str, str] = {}
        for batch in _batches(list(full_names), READ_BATCH):
            try:
                records.extend(self._read_batch(metadata_type, batch))
            except SourceUnavailable as exc:
                if len(batch) == 1:
                    unavailable[f"metadata:{metadata_type}:{batch[0]}"] = exc.reason
                    continue
                # Isolate the item(s) at fault instead of losing the whole batch.
                for name in batch:
                    try:
                        records.extend(self._read_batch(metadata_type, [name]))
                    except SourceUnavailable as single:
                        unavailable[f"metadata:{metadata_type}:{name}"] = single.reason
        returned = {r["fullName"] for r in records}
        for name in full_names:
            key = f"metadata:{metadata_type}:{name}"
            if name not in returned and key not in unavailable:
                unavailable[key] = (
                    "NOT_RETURNED: listMetadata named it but readMetadata returned nothing "
                    "(managed-package or protected component, or no access)"
                )
        records.sort(key=lambda r: str(r.get("fullName")))
        return MetadataRead(records=records, unavailable=unavailable)

    def _read_batch(self, metadata_type: str, names: Sequence[str]) -> list[Record]:
        root = self._soap(lambda sid: read_metadata_envelope(sid, metadata_type, names))
        return parse_read_response(root)
