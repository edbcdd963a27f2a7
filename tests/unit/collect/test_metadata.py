"""Metadata SOAP: envelopes, XML -> records, batching, and what could not be read."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable

import pytest
from sfscan.collect.errors import SourceUnavailable
from sfscan.collect.metadata import (
    MetadataReader,
    find_fault,
    parse_list_response,
    parse_read_response,
    read_metadata_envelope,
)

NS = (
    'xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
    'xmlns="http://soap.sforce.com/2006/04/metadata" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
)


def envelope(body: str) -> ET.Element:
    return ET.fromstring(
        f"<soapenv:Envelope {NS}><soapenv:Body>{body}</soapenv:Body></soapenv:Envelope>"
    )


def read_response(*records: str) -> str:
    return f"<readMetadataResponse><result>{''.join(records)}</result></readMetadataResponse>"


def app(name: str, relax: str = "ENFORCE") -> str:
    return (
        f'<records xsi:type="ConnectedApp"><fullName>{name}</fullName><label>{name}</label>'
        f"<oauthPolicy><ipRelaxation>{relax}</ipRelaxation></oauthPolicy></records>"
    )


def test_records_become_nested_dicts_with_typed_values_and_known_lists() -> None:
    root = envelope(
        read_response(
            '<records xsi:type="ConnectedApp"><fullName>Acme_ETL</fullName><label>2024</label>'
            "<ipRanges><start>203.0.113.0</start><end>203.0.113.255</end></ipRanges>"
            "<oauthConfig><callbackUrl>https://x/cb</callbackUrl><isAdminApproved>true</isAdminApproved>"
            "<scopes>Api</scopes></oauthConfig>"
            "<oauthPolicy><ipRelaxation>BYPASS</ipRelaxation>"
            "<refreshTokenPolicy>zero</refreshTokenPolicy></oauthPolicy></records>",
            '<records xsi:type="SecuritySettings"><fullName>Security</fullName>'
            "<networkAccess><ipRanges><start>10.0.0.0</start><end>10.0.0.255</end>"
            "<description>HQ</description></ipRanges><ipRanges><start>10.1.0.0</start>"
            "<end>10.1.0.255</end></ipRanges></networkAccess>"
            "<sessionSettings><enforceIpRangesEveryRequest>false</enforceIpRangesEveryRequest>"
            "<sessionTimeout>TwoHours</sessionTimeout></sessionSettings>"
            "<passwordPolicies><minimumPasswordLength>12</minimumPasswordLength></passwordPolicies>"
            "</records>",
        )
    )
    app_record, settings = parse_read_response(root)
    assert app_record == {
        "fullName": "Acme_ETL",
        "label": "2024",
        "ipRanges": [{"start": "203.0.113.0", "end": "203.0.113.255"}],
        "oauthConfig": {"callbackUrl": "https://x/cb", "isAdminApproved": True, "scopes": ["Api"]},
        "oauthPolicy": {"ipRelaxation": "BYPASS", "refreshTokenPolicy": "zero"},
    }
    assert settings["networkAccess"]["ipRanges"][1] == {"start": "10.1.0.0", "end": "10.1.0.255"}
    assert settings["sessionSettings"] == {
        "enforceIpRangesEveryRequest": False,
        "sessionTimeout": "TwoHours",
    }
    assert settings["passwordPolicies"]["minimumPasswordLength"] == 12


def test_unknown_repeated_elements_become_lists_and_empty_records_are_skipped() -> None:
    root = envelope(
        read_response(
            '<records xsi:type="ConnectedApp"><fullName>A</fullName><oauthConfig/>'
            "<customThing>1</customThing><customThing>2</customThing></records>",
            '<records xsi:nil="true"/>',
            '<records xsi:type="ConnectedApp"/>',
        )
    )
    assert parse_read_response(root) == [
        {"fullName": "A", "oauthConfig": {}, "customThing": [1, 2]}
    ]


def test_list_response_and_fault_parsing() -> None:
    listed = envelope(
        "<listMetadataResponse><result><fullName>A</fullName><type>ConnectedApp</type></result>"
        "<result><fullName>P</fullName><type>ExtlClntAppOauthConfigurablePolicies</type></result>"
        "</listMetadataResponse>"
    )
    assert parse_list_response(listed) == [
        ("ConnectedApp", "A"),
        ("ExtlClntAppOauthConfigurablePolicies", "P"),
    ]
    fault = envelope(
        "<soapenv:Fault><faultcode>sf:INSUFFICIENT_ACCESS</faultcode>"
        "<faultstring>no  access</faultstring></soapenv:Fault>"
    )
    found = find_fault(fault)
    assert found is not None and (found.code, found.message) == ("INSUFFICIENT_ACCESS", "no access")
    assert find_fault(listed) is None


def test_envelopes_escape_names_and_carry_the_session_in_the_header() -> None:
    body = read_metadata_envelope("00D!tok<en>", "ConnectedApp", ["A&B"]).decode()
    assert "<ns1:sessionId>00D!tok&lt;en&gt;</ns1:sessionId>" in body or "tok&lt;en&gt;" in body
    assert "A&amp;B" in body


class FakeOrg:
    """A Metadata API that knows some apps, refuses some, and forgets some."""

    def __init__(
        self, apps: list[str], refused: set[str] = frozenset(), forgotten: set[str] = frozenset()
    ) -> None:
        self.apps, self.refused, self.forgotten = apps, refused, forgotten
        self.read_calls: list[list[str]] = []

    def soap(self, build: Callable[[str], bytes]) -> ET.Element:
        request = ET.fromstring(build("TOKEN"))
        op = next(
            el for el in request.iter() if el.tag.endswith(("}readMetadata", "}listMetadata"))
        )
        if op.tag.endswith("}listMetadata"):
            types = [el.text for el in op.iter() if el.tag.endswith("}type")]
            if "Bad" in types:
                raise SourceUnavailable("INVALID_TYPE", "Bad is not a type")
            results = "".join(
                f"<result><fullName>{a}</fullName><type>ConnectedApp</type></result>"
                for a in self.apps
                if "ConnectedApp" in types
            )
            return envelope(f"<listMetadataResponse>{results}</listMetadataResponse>")
        names = [el.text or "" for el in op if el.tag.endswith("}fullNames")]
        self.read_calls.append(names)
        if self.refused & set(names):
            raise SourceUnavailable("INSUFFICIENT_ACCESS", "cannot read")
        return envelope(read_response(*(app(n) for n in names if n not in self.forgotten)))


def test_reads_go_in_batches_of_ten() -> None:
    org = FakeOrg([f"App{i:02}" for i in range(23)])
    read = MetadataReader(org.soap, "62.0").read("ConnectedApp", org.apps)
    assert [len(c) for c in org.read_calls] == [10, 10, 3]
    assert len(read.records) == 23 and read.unavailable == {}


def test_a_name_listed_but_not_returned_is_unavailable_with_its_full_name() -> None:
    org = FakeOrg(["A", "B", "Managed"], forgotten={"Managed"})
    read = MetadataReader(org.soap, "62.0").read("ConnectedApp", org.apps)
    assert [r["fullName"] for r in read.records] == ["A", "B"]
    assert list(read.unavailable) == ["metadata:ConnectedApp:Managed"]


def test_a_refused_item_is_isolated_from_the_rest_of_its_batch() -> None:
    org = FakeOrg(["A", "B", "Secret"], refused={"Secret"})
    read = MetadataReader(org.soap, "62.0").read("ConnectedApp", org.apps)
    assert [r["fullName"] for r in read.records] == ["A", "B"]
    assert read.unavailable == {"metadata:ConnectedApp:Secret": "INSUFFICIENT_ACCESS: cannot read"}


def test_one_unlistable_type_does_not_hide_the_others() -> None:
    org = FakeOrg(["A"])
    names, failed = MetadataReader(org.soap, "62.0").list_names(["ConnectedApp", "Bad", "Other"])
    assert names == {"ConnectedApp": ["A"], "Other": []}
    assert failed == {"Bad": "INVALID_TYPE: Bad is not a type"}


def test_a_single_type_that_cannot_be_listed_raises() -> None:
    with pytest.raises(SourceUnavailable):
        MetadataReader(FakeOrg([]).soap, "62.0").list_names(["Bad"])
