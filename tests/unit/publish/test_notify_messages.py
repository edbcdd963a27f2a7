"""The e-mail a person gets: what changed, grouped by severity, and how to act on it."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from publish_builders import ORG_ID, ORG_NAME, SCAN_AT, make_finding, make_tracked, resolved
from sfscan.domain.findings import Severity
from sfscan.domain.lifecycle import TrackedFinding
from sfscan.publish.notify import Notification, attributes_size, build_notifications


def flat(text: str) -> str:
    """The message with line wrapping undone, to look for sentences in it."""
    return " ".join(text.split())


def notify(
    opened: list[TrackedFinding],
    gone: list[TrackedFinding] | None = None,
    *,
    org_name: str = ORG_NAME,
    max_bytes: int = 256 * 1024,
    scanned_at: datetime = SCAN_AT,
) -> list[Notification]:
    return build_notifications(
        org_id=ORG_ID,
        org_name=org_name,
        scan_id="scan-2026-11-28",
        scanned_at=scanned_at,
        opened=opened,
        resolved=gone or [],
        max_bytes=max_bytes,
    )


CRITICAL_USER = make_finding("SF-IU-01")
HIGH_APP = make_finding(
    "SF-CA-01",
    resource_id="Acme_ETL",
    resource_name="Acme ETL",
    detail="Connected app Acme ETL lets OAuth sessions bypass IP restrictions (BYPASS).",
)
MEDIUM_ORG = make_finding("SF-ORG-01", resource_id=ORG_ID, resource_name=ORG_NAME)
FIXED_USER = make_finding("SF-IU-02", resource_id="0055g00000Fixed0AAA", resource_name="old@acme")


def test_message_tells_a_person_what_is_wrong_and_how_to_fix_it() -> None:
    [note] = notify(
        [make_tracked(MEDIUM_ORG), make_tracked(CRITICAL_USER), make_tracked(HIGH_APP)],
        [resolved(FIXED_USER)],
    )

    assert note.subject == "sfscan: Acme Corporation - 3 new violations, 1 resolved"
    text = note.message
    assert f"Org:            Acme Corporation ({ORG_ID})" in text
    assert "Scanned at:     2026-11-28 03:00:05 UTC" in text
    assert "New violations: 3 (CRITICAL 1, HIGH 1, MEDIUM 1)" in text
    assert "Resolved:       1" in text
    words = flat(text)
    for finding in (CRITICAL_USER, HIGH_APP, MEDIUM_ORG):
        assert f"* [{finding.rule_id}] {finding.title}: {finding.resource_name}" in words
        assert f"Problem: {finding.detail}" in words
    assert f"Fix: {CRITICAL_USER.remediation.text}" in words
    assert f"  Guide:    {CRITICAL_USER.remediation.url}\n" in text  # whole, clickable
    assert "Resource: ConnectedApp Acme ETL (Acme_ETL)" in words
    assert "* [SF-IU-02] Integration user's profile has no Login IP Range: old@acme" in words
    assert "Status: was HIGH; now compliant." in words
    assert (
        max(len(line) for line in text.splitlines() if "rule_id" not in line and "http" not in line)
        <= 78
    )
    suppression = {
        "rule_id": "SF-IU-01",
        "resource_id": CRITICAL_USER.resource_id,
        "reason": "<why>",
        "expires": "<date>",
    }
    assert json.dumps(suppression) in text  # ready to paste into the org's settings


def test_new_violations_are_grouped_from_critical_down_then_resolutions() -> None:
    low = make_finding("SF-IU-05", resource_id="0055g00000Low00AAA", severity=Severity.LOW)
    [note] = notify(
        [
            make_tracked(low),
            make_tracked(MEDIUM_ORG),
            make_tracked(HIGH_APP),
            make_tracked(CRITICAL_USER),
        ],
        [resolved(FIXED_USER)],
    )
    text = note.message

    positions = [
        text.index("NEW VIOLATIONS"),
        text.index("\nCRITICAL\n"),
        text.index("[SF-IU-01]"),
        text.index("\nHIGH\n"),
        text.index("[SF-CA-01]"),
        text.index("\nMEDIUM\n"),
        text.index("[SF-ORG-01]"),
        text.index("\nLOW\n"),
        text.index("[SF-IU-05]"),
        text.index("RESOLVED"),
        text.index("[SF-IU-02]"),
    ]
    assert positions == sorted(positions)


def test_nothing_changed_means_no_message() -> None:
    assert notify([], []) == []


def test_suppressed_findings_are_never_notified() -> None:
    accepted = make_finding(
        "SF-CA-01", resource_id="Vendor_App", resource_name="Vendor App", suppressed=True
    )

    assert notify([make_tracked(accepted)], [resolved(accepted)]) == []
    [note] = notify([make_tracked(accepted), make_tracked(CRITICAL_USER)])
    assert "Vendor" not in note.message
    assert note.subject.endswith("- 1 new violation")
    assert note.attributes["rule_id"] == ["SF-IU-01"]


def test_attributes_carry_the_highest_severity_org_and_rules() -> None:
    [note] = notify([make_tracked(MEDIUM_ORG), make_tracked(HIGH_APP)], [resolved(FIXED_USER)])

    assert note.attributes == {
        "severity": "HIGH",
        "org_id": ORG_ID,
        "rule_id": ["SF-CA-01", "SF-IU-02", "SF-ORG-01"],
    }


def test_resolutions_only_are_informational() -> None:
    [note] = notify([], [resolved(FIXED_USER), resolved(CRITICAL_USER)])

    assert note.subject == "sfscan: Acme Corporation - 2 resolved"
    assert note.attributes["severity"] == "INFORMATIONAL"
    assert "New violations: 0" in note.message
    assert "NEW VIOLATIONS" not in note.message


def test_subject_is_short_printable_ascii_on_one_line() -> None:
    [accents] = notify([make_tracked(CRITICAL_USER)], org_name="Société Générale — Paris\nEU")
    [long] = notify([make_tracked(CRITICAL_USER)] * 2, org_name="A very long org name " * 10)

    assert accents.subject == "sfscan: Societe Generale Paris EU - 1 new violation"
    assert long.subject.endswith("... - 2 new violations")
    for subject in (accents.subject, long.subject):
        assert len(subject) < 100
        assert subject.isascii() and subject.isprintable()


def many_users(count: int) -> list[TrackedFinding]:
    severities = [Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW]
    return [
        make_tracked(
            make_finding(
                "SF-IU-02",
                resource_id=f"0055g00000U{i:05}AA",
                resource_name=f"user{i}@acme.example",
                severity=severities[i % 4],
                detail=f"Utilisateur d'intégration n°{i} sans plage d'adresses IP — à corriger.",
            )
        )
        for i in range(count)
    ]


def test_a_big_change_is_split_into_parts_that_each_fit_and_keep_findings_whole() -> None:
    opened = many_users(300)
    gone = [resolved(FIXED_USER)]
    max_bytes = 20_000

    notes = notify(opened, gone, max_bytes=max_bytes)

    assert len(notes) > 3
    total = len(notes)
    for index, note in enumerate(notes, start=1):
        assert note.subject.endswith(f"(part {index} of {total})")
        assert len(note.subject) < 100
        assert f"(part {index} of {total})" in note.message.splitlines()[0]
        size = len(note.message.encode("utf-8")) + attributes_size(note.attributes)
        assert size <= max_bytes
    for tracked in [*opened, *gone]:
        finding = tracked.finding
        holders = [n for n in notes if f"({finding.resource_id})" in n.message]
        assert len(holders) == 1, finding.resource_id
        if finding.status.value == "FAILED":
            assert f"Problem: {finding.detail}" in flat(holders[0].message)  # not cut in half
    assert notes[0].attributes["severity"] == "CRITICAL"
    assert notes[-1].attributes["rule_id"] == ["SF-IU-02"]
    assert "(continued)" in notes[1].message  # a severity group carried over says so


def test_each_part_reports_the_highest_severity_it_contains() -> None:
    notes = notify(many_users(200), max_bytes=12_000)
    ranks = [Severity(n.attributes["severity"]).rank for n in notes]

    assert ranks == sorted(ranks, reverse=True)  # critical ones come first
    assert notes[-1].attributes["severity"] == "LOW"


def test_a_limit_too_small_for_one_finding_is_refused() -> None:
    with pytest.raises(ValueError, match="max_bytes is too small"):
        notify([make_tracked(CRITICAL_USER)], max_bytes=600)


def test_an_outside_ip_violation_lists_the_most_used_ips_first_and_how_many_more() -> None:
    ips = {f"198.18.{i // 256}.{i % 256}": {"count": i + 1, "last_login": None} for i in range(40)}
    finding = make_finding(
        "SF-NET-01",
        detail="User etl@acme.example made API logins from IP addresses outside allowed_networks.",
        evidence={"outside_ips": ips, "api_logins": 820},
    )
    [note] = notify([make_tracked(finding)])
    text = flat(note.message)
    assert "IPs: 198.18.0.39 (40 logins), 198.18.0.38 (39 logins)," in text
    assert "198.18.0.30 (31 logins), +30 more" in text
    assert "198.18.0.29" not in text


def test_the_ip_list_counts_what_the_stored_evidence_left_out() -> None:
    kept = {"203.0.113.7": {"count": 900}, "203.0.113.8": {"count": 12}}
    evidence = {"outside_ips": kept, "outside_ips_total": 100_000, "outside_ips_omitted": 99_998}
    [note] = notify([make_tracked(make_finding("SF-NET-01", evidence=evidence))])
    assert "203.0.113.7 (900 logins), 203.0.113.8 (12 logins), +99998 more" in flat(note.message)
