"""Metadata API SOAP (listMetadata, readMetadata) in the shapes zeep parses with
simple-salesforce's bundled WSDL (salesforce-api-notes.md section 14.4)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape, quoteattr

MD_NS = "http://soap.sforce.com/2006/04/metadata"
ENVELOPE_OPEN = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
    f'xmlns="{MD_NS}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
    "<soapenv:Body>"
)
ENVELOPE_CLOSE = "</soapenv:Body></soapenv:Envelope>"

# Where listMetadata says each type's component lives (fileName); others fall back to <type>/.
FILE_NAMES = {
    "ConnectedApp": ("connectedApps", "connectedApp"),
    "ExternalClientApplication": ("externalClientApps", "eca"),
    "ExtlClntAppOauthConfigurablePolicies": ("extlClntAppOauthPolicies", "ecaOauthPlcy"),
    "SecuritySettings": ("settings", "settings"),
}


class SoapRequestError(ValueError):
    pass


@dataclass(frozen=True)
class SoapRequest:
    operation: str
    session_id: str | None
    list_types: tuple[str, ...] = ()  # listMetadata: each query's type
    read_type: str = ""  # readMetadata
    full_names: tuple[str, ...] = ()


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _children(elem: ET.Element, name: str) -> list[ET.Element]:
    return [c for c in elem if _local(c.tag) == name]


def parse_request(body: bytes) -> SoapRequest:
    try:
        root = ET.fromstring(body)  # loopback test tool: the client is our own test code
    except ET.ParseError as exc:
        raise SoapRequestError(f"request is not XML: {exc}") from None
    session_id = None
    for elem in root.iter():
        if _local(elem.tag) == "sessionId":
            session_id = (elem.text or "").strip()
    bodies = [e for e in root if _local(e.tag) == "Body"]
    if not bodies or len(bodies[0]) == 0:
        raise SoapRequestError("SOAP envelope has no Body operation")
    op = bodies[0][0]
    name = _local(op.tag)
    if name == "listMetadata":
        types = tuple(
            (t.text or "").strip() for q in _children(op, "queries") for t in _children(q, "type")
        )
        return SoapRequest(name, session_id, list_types=types)
    if name == "readMetadata":
        read_type = "".join((t.text or "").strip() for t in _children(op, "type"))
        names = tuple((n.text or "").strip() for n in _children(op, "fullNames"))
        return SoapRequest(name, session_id, read_type=read_type, full_names=names)
    return SoapRequest(name, session_id)


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return escape(str(value))


def render_value(tag: str, value: Any) -> str:
    """A record field as XML: dicts nest, lists repeat the element, None is left out."""
    if value is None:
        return ""
    if isinstance(value, list):
        return "".join(render_value(tag, item) for item in value)
    if isinstance(value, dict):
        inner = "".join(render_value(k, v) for k, v in value.items())
        return f"<{tag}>{inner}</{tag}>"
    return f"<{tag}>{_scalar(value)}</{tag}>"


def read_response(metadata_type: str, records: list[dict[str, Any]]) -> str:
    body = "".join(
        f"<records xsi:type={quoteattr(metadata_type)}>"
        + "".join(render_value(k, v) for k, v in rec.items())
        + "</records>"
        for rec in records
    )
    response = f"<readMetadataResponse><result>{body}</result></readMetadataResponse>"
    return ENVELOPE_OPEN + response + ENVELOPE_CLOSE


def list_response(items: list[tuple[str, str]], created: str, user_id: str) -> str:
    """``items``: (type, fullName) pairs; ``created`` stands for every date field."""
    results = []
    for index, (metadata_type, full_name) in enumerate(items):
        folder, suffix = FILE_NAMES.get(metadata_type, (metadata_type, metadata_type))
        fields = {
            "createdById": user_id,
            "createdByName": "orgsim",
            "createdDate": created,
            "fileName": f"{folder}/{full_name}.{suffix}",
            "fullName": full_name,
            "id": f"0H4SIM{index:012d}",
            "lastModifiedById": user_id,
            "lastModifiedByName": "orgsim",
            "lastModifiedDate": created,
            "manageableState": "unmanaged",
            "type": metadata_type,
        }
        results.append(render_value("result", fields))
    response = f"<listMetadataResponse>{''.join(results)}</listMetadataResponse>"
    return ENVELOPE_OPEN + response + ENVELOPE_CLOSE


def fault(code: str, message: str) -> str:
    """A SOAP fault as Salesforce sends it (HTTP 500); zeep raises zeep.exceptions.Fault."""
    text = escape(f"{code}: {message}")
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
        'xmlns:sf="http://soap.sforce.com/2006/04/metadata" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        "<soapenv:Body><soapenv:Fault>"
        f"<faultcode>sf:{escape(code)}</faultcode><faultstring>{text}</faultstring>"
        '<detail><sf:UnexpectedErrorFault xsi:type="sf:UnexpectedErrorFault">'
        f"<sf:exceptionCode>{escape(code)}</sf:exceptionCode>"
        f"<sf:exceptionMessage>{escape(message)}</sf:exceptionMessage>"
        "</sf:UnexpectedErrorFault></detail>"
        "</soapenv:Fault></soapenv:Body></soapenv:Envelope>"
    )
