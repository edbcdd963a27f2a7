"""A hostile or broken endpoint, met by the real collector (simple-salesforce over HTTPS against
the org simulator): redirects, drips, paging loops, foreign next pages, bad certificates."""

from __future__ import annotations

from pathlib import Path

import pytest
from reliab_kit import (
    DEMO_SETTINGS_PATH,
    DrippingServer,
    SilentListener,
    collect,
    credentials,
    demo,
    sim_only,
)
from sfscan.collect.collector import collect_snapshot
from sfscan.collect.hosts import HostPolicy
from sfscan.collect.http import HttpConfig, ScanSession
from sfscan.domain.errors import ScanIncompleteError
from sfscan.domain.findings import Status
from sfscan.domain.settings import load_settings
from sfscan.engine import evaluate

from orgsim import Faults, OrgSimulator
from orgsim.auth import generate_key_material


@pytest.mark.parametrize("endpoint", ["token", "rest", "soap"])
def test_a_redirect_to_a_foreign_host_receives_nothing(endpoint: str) -> None:
    with SilentListener() as foreign, OrgSimulator(demo()) as sim:
        sim.set_faults(Faults(redirect_to=foreign.url, redirect_endpoints=frozenset({endpoint})))
        with pytest.raises(ScanIncompleteError) as info:
            collect(sim, concurrency=1)
    assert foreign.received == []
    message = str(info.value)
    assert "redirect" in message and f"localhost:{foreign.port}" in message
    assert "login_url" in message


def test_a_server_dripping_its_body_is_cut_off_and_retried() -> None:
    config = HttpConfig(sleep=lambda _: None, response_total_s=0.3)
    with OrgSimulator(demo()) as sim:
        # Call 1 drips 1 byte every 100 ms: its ~1 kB would take ~2 minutes to arrive.
        sim.set_faults(Faults(drip_on=frozenset({1}), drip_interval_ms=100))
        got = collect(sim, concurrency=1, http_config=config)
        first = next(e for e in sim.request_log if e.call_number == 1)
        again = [e for e in sim.request_log if (e.path, e.soql) == (first.path, first.soql)]
    assert len(again) == 2  # call 1 was cut, then retried
    assert got.sobjects["User"] and got.sobjects["Profile"]  # and the scan completed


def test_a_server_dripping_every_answer_ends_the_scan_as_incomplete() -> None:
    config = HttpConfig(sleep=lambda _: None, response_total_s=0.2, attempts=2)
    with OrgSimulator(demo()) as sim:
        sim.set_faults(Faults(drip_on=frozenset(range(1, 200)), drip_interval_ms=100))
        with pytest.raises(ScanIncompleteError, match=r"took longer than 0.2 s .*cut off"):
            collect(sim, concurrency=1, http_config=config)


def test_a_server_dripping_its_status_line_is_cut_off_at_the_response_limit(
    tmp_path: Path,
) -> None:
    # One byte every 50 ms never trips the read timeout between bytes; the ~120-byte head
    # would take 6 s, the response limit is 0.5 s.
    keys = generate_key_material(tmp_path)
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"
    with DrippingServer(keys.tls_cert_file, keys.tls_key_file, head, 0.05) as server:
        config = HttpConfig(sleep=lambda _: None, response_total_s=0.5, attempts=1)
        session = ScanSession(HostPolicy(["127.0.0.1"]), ca_bundle=str(keys.tls_cert_file),
                              config=config)  # fmt: skip
        with pytest.raises(ScanIncompleteError, match=r"took longer than 0.5 s .*cut off"):
            session.get(f"https://127.0.0.1:{server.port}/services/data/v62.0/limits")
        # The client gave up while the headers were still arriving, not after they had.
        assert server.sent < head.index(b"\r\n\r\n")


def test_a_next_page_pointing_at_itself_makes_only_that_source_not_available() -> None:
    settings = load_settings(DEMO_SETTINGS_PATH)
    with OrgSimulator(demo()) as sim:
        sim.set_faults(Faults(paging_loop_on=frozenset({"User"})))
        got = collect(sim)
        user_queries = [e for e in sim.request_log if e.path.endswith(("/query", "/query/"))]
    assert got.unavailable["sobject:User"].startswith("QUERY_PAGING_LOOP: ")
    assert "Profile" in got.sobjects  # the scan went on
    assert len(user_queries) < 20  # stopped at the repeat, not after hundreds of pages
    judged = {f.status for f in evaluate(got, settings).findings if f.rule_id == "SF-IU-01"}
    assert judged == {Status.NOT_AVAILABLE}


def test_a_foreign_absolute_next_page_is_named_not_an_invalid_port() -> None:
    with SilentListener() as foreign, OrgSimulator(demo()) as sim:
        sim.set_faults(Faults(foreign_next_page_on=frozenset({"PermissionSet"})))
        got = collect(sim)
    reason = got.unavailable["sobject:PermissionSet"]
    assert reason.startswith("FOREIGN_NEXT_PAGE: ")
    assert "attacker.example:8443" in reason and "another host" in reason
    assert "port" not in reason.replace("8443", "")
    assert foreign.received == []


def test_an_untrusted_certificate_is_not_retried_and_names_ca_bundle() -> None:
    pauses: list[float] = []
    with OrgSimulator(demo()) as sim:
        with pytest.raises(ScanIncompleteError) as info:
            collect_snapshot(
                credentials(sim),
                host_policy=sim_only(sim),
                http_config=HttpConfig(sleep=pauses.append),
            )  # no ca_bundle: the simulator's self-signed certificate is not trusted
        token_posts = [e for e in sim.request_log if "oauth2/token" in e.path]
    assert "--ca-bundle" in str(info.value)
    assert "certificate" in str(info.value)
    assert pauses == []  # tried once: no back-off before a second attempt
    assert token_posts == []  # nothing was sent
