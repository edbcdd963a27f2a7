"""``sfscan demo``: the whole pipeline on this machine with nothing to configure.

The bundled demo org is served by the org simulator over HTTPS on loopback, AWS by moto on
loopback, and the real handlers run in order (dispatch -> scan -> publish). Then two things are
fixed in the simulated org and a re-scan resolves them. Nothing leaves this machine.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sfscan.cli.org import format_org_table
from sfscan.domain.findings import Status
from sfscan.pipeline.dispatch import ScanRequest
from sfscan.rules.registry import RULES
from sfscan.store.dynamodb import FindingsStore
from sfscan.store.items import ScanSummary

from sfscan_harness.local import PREFIX, LocalPipeline, share_botocore_data

ORG = "acme"
BROKEN_ORG = "legacy-sandbox"
LEGACY_APP = ("Legacy_ETL", "Legacy ETL")
LEGACY_USER = ("0055g00000057MmAAI", "legacy.integration@acme.example.com")
API_ONLY_PERMISSION_SET = ("0PS5g0000007B5TGAU", "API Only Access")
MAIL_LINES = 45
Print = Callable[[str], None]


def _orgs_dir() -> Path:
    import orgsim

    return Path(orgsim.__file__).resolve().parent / "orgs"


class Demo:
    def __init__(self, pipeline: LocalPipeline, sim: Any, out: Print) -> None:
        self.pipeline = pipeline
        self.sim = sim
        self.out = out
        self.store = FindingsStore(pipeline.client("dynamodb"), pipeline.table)

    def step(self, number: int, title: str) -> None:
        self.out("")
        self.out(f"{number}. {title}")

    # -- steps ---------------------------------------------------------------------------------

    def register(self) -> None:
        self.step(1, f"Registering two orgs (one Secrets Manager secret each, under {PREFIX})")
        settings = json.loads((_orgs_dir() / "demo.settings.json").read_text())
        secret = {
            "name": ORG,
            "login_url": self.sim.login_url,
            "auth": {
                "flow": "client_credentials",
                "client_id": self.sim.client_id,
                "client_secret": self.sim.client_secret,
            },
            "settings": settings,
        }
        self.pipeline.register_org(ORG, json.dumps(secret))
        self.pipeline.register_org(BROKEN_ORG, '{"name": "legacy-sandbox", "login_url": ')
        self.out(f"   {ORG:<16} client credentials for the simulated org, with its settings")
        self.out(
            f"   {BROKEN_ORG:<16} a secret that is not valid JSON (one broken org stops nothing)"
        )

    def cycle(self, number: int, title: str) -> tuple[str, list[dict[str, Any]]]:
        self.step(number, title)
        run = self.pipeline.dispatch()
        self.out(
            f"   dispatch: scan run {run.scan_id}; queued {len(run.orgs)} orgs: "
            + ", ".join(run.orgs)
        )
        messages = self.pipeline.receive_scan_messages()
        self.pipeline.run_scans(messages)
        for message in messages:
            request = ScanRequest.from_json(message["Body"])
            summary = self.store.get_summary(request.org_name, request.scan_id)
            if summary is not None:
                self.out(f"   scan:     {self._scan_line(summary)}")
        self.pipeline.publish(self.pipeline.read_stream())
        return run.scan_id, messages

    def _scan_line(self, s: ScanSummary) -> str:
        if not s.ok:
            return f"{s.org_name:<16} ERROR (recorded, nothing else affected): {s.error}"
        counts = ", ".join(f"{n} {k}" for k, n in s.by_status.items() if n)
        return (
            f"{s.org_name:<16} {s.display_name}: {counts}; {s.opened} new, {s.resolved} resolved; "
            f"{s.api_calls} API calls"
        )

    def findings_per_rule(self) -> None:
        tracked = self.store.load_findings(ORG).values()
        counts: dict[str, Counter[str]] = {}
        for t in tracked:
            counts.setdefault(t.finding.rule_id, Counter())[t.finding.status.value] += 1
        self.out("")
        self.out(f"   Findings per rule ({ORG})")
        self.out(f"   {'RULE':<10} {'FAILED':>6} {'PASSED':>6} {'N/A':>4}  TITLE")
        for rule in RULES:
            c = counts.get(rule.meta.id, Counter())
            self.out(
                f"   {rule.meta.id:<10} {c[Status.FAILED.value]:>6} {c[Status.PASSED.value]:>6} "
                f"{c[Status.NOT_AVAILABLE.value]:>4}  {rule.meta.title}"
            )

    def show_mail(self, limit: int = MAIL_LINES) -> None:
        mails = self.pipeline.inbox()
        self.out("")
        self.out(f"   SNS: {len(mails)} message(s) on the topic; as an e-mail shows it:")
        for mail in mails:
            self.out("   " + "-" * 76)
            self.out(f"   Subject: {mail['Subject']}")
            attrs = {k: v["Value"] for k, v in mail.get("MessageAttributes", {}).items()}
            self.out(f"   Attributes: {json.dumps(attrs)[:160]}")
            self.out("")
            lines = mail["Message"].splitlines()
            for line in lines[:limit]:
                self.out("   " + line)
            if len(lines) > limit:
                self.out(f"   ... ({len(lines) - limit} more lines)")
            self.out("   " + "-" * 76)

    def show_security_hub(self, state: str, examples: int = 4) -> None:
        findings = self.pipeline.security_hub_findings()
        states = Counter(f["RecordState"] for f in findings)
        self.out("")
        self.out(
            f"   Security Hub: {len(findings)} findings "
            f"({states.get('ACTIVE', 0)} ACTIVE, {states.get('ARCHIVED', 0)} ARCHIVED); "
            f"{state} for example:"
        )
        chosen = [f for f in findings if f["RecordState"] == state]
        chosen.sort(key=lambda f: (-_rank(f["Severity"]["Label"]), f["Title"]))
        for f in chosen[:examples]:
            self.out(
                f"     {f['Severity']['Label']:<9} {f['Compliance']['Status']:<7} {f['Title']}"
            )

    def fix_org(self) -> None:
        self.step(5, "Fixing two things in the simulated org")
        self.sim.set_ip_relaxation(LEGACY_APP[0], "ENFORCE")
        self.out(f"   connected app {LEGACY_APP[1]}: IP Relaxation -> 'Enforce IP restrictions'")
        self.sim.add_permission_set_assignment(LEGACY_USER[0], API_ONLY_PERMISSION_SET[0])
        self.out(f"   {LEGACY_USER[1]}: assigned permission set '{API_ONLY_PERMISSION_SET[1]}'")

    def redeliver(self, messages: list[dict[str, Any]]) -> None:
        self.step(7, "The same scan messages delivered again (SQS is at-least-once)")
        self.pipeline.run_scans(messages)
        self.pipeline.publish(self.pipeline.read_stream())
        mails = self.pipeline.inbox()
        self.out(f"   {len(mails)} new messages: each (scan, org) is recorded and published once")

    def run(self) -> None:
        self.register()
        self.cycle(2, "Scan run: dispatch -> scan queue -> scan function -> findings table")
        self.findings_per_rule()
        self.step(3, "Publish: the table's stream -> publish function -> SNS and Security Hub")
        self.show_mail()
        self.show_security_hub("ACTIVE")
        self.step(4, "Registered orgs and their last scan ('sfscan org list')")
        latest = {s.org_name: s for s in self.store.latest_scans()}
        for line in format_org_table(sorted(latest), latest).splitlines():
            self.out("   " + line)
        self.fix_org()
        _, messages = self.cycle(6, "Re-scan and publish")
        self.show_mail()
        self.show_security_hub("ARCHIVED")
        self.redeliver(messages)


def _rank(label: str) -> int:
    order = ("INFORMATIONAL", "LOW", "MEDIUM", "HIGH", "CRITICAL")
    return order.index(label) if label in order else -1


def run_demo(out: Print = print) -> None:
    from moto.server import ThreadedMotoServer

    from orgsim import OrgSimulator

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's per-request access log
    share_botocore_data()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        with OrgSimulator(str(_orgs_dir() / "demo.json"), port=0, as_of=datetime.now(UTC)) as sim:
            out("sfscan demo: the serverless pipeline on this machine (nothing leaves it)")
            out(f"   Salesforce: the demo org, served by the org simulator on {sim.login_url}")
            out(
                f"   AWS: Secrets Manager, SQS, DynamoDB, SNS, Security Hub served by moto on "
                f"http://{host}:{port}"
            )
            out("   Lambda: the real handlers in functions/*/app.py, called in order")
            pipeline = LocalPipeline(
                endpoint_url=f"http://{host}:{port}",
                extra_env={
                    "SFSCAN_ALLOWED_HOSTS": sim.login_url.removeprefix("https://"),
                    "SFSCAN_CA_BUNDLE": sim.ca_bundle,
                    # Keep the handlers' JSON logs and metrics out of the story.
                    "POWERTOOLS_LOG_LEVEL": "ERROR",
                    "POWERTOOLS_METRICS_DISABLED": "true",
                },
            )
            pipeline.create_resources()
            Demo(pipeline, sim, out).run()
    finally:
        server.stop()
    out("")
    out("Done. Deploy it for real with 'make deploy' (docs/deploy.md).")
