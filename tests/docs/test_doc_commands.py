"""Every ``sfscan`` command shown in README.md and docs/*.md runs as written.

The commands are taken from the ``sh``/``bash``/``shell``/``console`` code blocks (continuation
lines joined, comments dropped) and run in document order, one document at a time, in a fresh
working directory, by the real CLI against:

- the bundled demo org served by the org simulator over HTTPS on loopback: files a command names
  that a reader would have (``acme-prod.json`` credentials, ``acme.json`` snapshot,
  ``*.settings.json``, ``sfscan.key``) are made for it, pointing at the simulator;
- AWS served by moto (a stack ``sfscan`` holding the findings table as template.yaml declares it,
  a topic, the publish failure queue; ``acme-prod`` registered), with ``AWS_REGION`` and
  ``SFSCAN_TABLE`` set as the docs tell the reader to ``export`` them.

A command passes when it exits 0, or 1 for a scan (1 means "violations found", documented).
Placeholders (``<login_url>``, ``<FindingsTableName>``, ``TABLE``) are filled from
PLACEHOLDERS; an unknown ``<...>`` fails the test, so every placeholder is deliberate. Commands
that cannot run here are listed in NOT_RUNNABLE with a reason the test checks.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import json
import re
import shlex
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest
from cfnlint.decode import cfn_yaml
from moto import mock_aws
from sfscan.cli.main import main

from orgsim import OrgSimulator

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
DEMO = ROOT / "orgsim" / "orgs" / "demo.json"
DEMO_SETTINGS = ROOT / "orgsim" / "orgs" / "demo.settings.json"
REGION = "eu-west-1"  # what the docs export
SHELL_BLOCK = re.compile(r"^```(sh|bash|shell|console)\n(.*?)^```", re.S | re.M)
SFSCAN = re.compile(r"^(\$ )?(\.venv/bin/)?sfscan(\s|$)")
REGISTERED = ("acme-prod",)


@dataclass(frozen=True)
class Command:
    doc: str
    line: int
    text: str


def shell_lines(path: Path) -> Iterator[tuple[int, str]]:
    """(line number, logical line) of every shell code block; continuations joined."""
    text = path.read_text(encoding="utf-8")
    for block in SHELL_BLOCK.finditer(text):
        number = text.count("\n", 0, block.start(2)) + 1
        start, parts = number, []
        for raw in block.group(2).splitlines():
            if not parts:
                start = number
            number += 1
            if raw.endswith("\\"):
                parts.append(raw[:-1])
                continue
            parts.append(raw)
            yield start, " ".join(p.strip() for p in parts)
            parts = []


def commands(path: Path) -> list[Command]:
    rel = str(path.relative_to(ROOT))
    return [Command(rel, n, line) for n, line in shell_lines(path) if line and SFSCAN.match(line)]


# command regex -> (reason, check that the reason holds)
NOT_RUNNABLE: dict[str, tuple[str, Callable[[str], bool]]] = {}


def _not_runnable(text: str) -> str | None:
    for pattern, (reason, holds) in NOT_RUNNABLE.items():
        if re.search(pattern, text):
            assert holds(text), f"the reason no longer holds for {text!r}: {reason}"
            return reason
    return None


# -- the world the commands run in ---------------------------------------------------------------


@pytest.fixture(scope="module")
def sim() -> Iterator[OrgSimulator]:
    with OrgSimulator(str(DEMO), as_of=datetime.now(UTC)) as running:
        yield running


def credentials(sim: OrgSimulator, name: str) -> dict[str, Any]:
    return sim.jwt_secret(name)


@dataclass
class World:
    sim: OrgSimulator
    cwd: Path
    placeholders: dict[str, str]

    def provide(self, flag: str, value: str) -> None:
        """Make the input file a reader of the docs would have."""
        path = self.cwd / value
        if not value or path.exists() or flag in ("--out", "--output", ">"):
            return
        if flag == "--secret-file":
            path.write_text(json.dumps(credentials(self.sim, path.stem)))
        elif flag == "--settings":
            shutil.copy(DEMO_SETTINGS, path)
        elif flag == "--snapshot":
            shutil.copy(DEMO, path)
        elif flag == "--private-key-file":
            shutil.copy(self.sim.private_key_file, path)


def aws_resources() -> dict[str, str]:
    """A stack named "sfscan" whose FindingsTableName output is the table template.yaml declares
    (for --stack), a topic and the publish failure queue."""
    session = boto3.session.Session(region_name=REGION)
    props = cfn_yaml.load(str(ROOT / "template.yaml"))["Resources"]["FindingsTable"]["Properties"]
    table = {
        "Type": "AWS::DynamoDB::Table",
        "Properties": {
            "BillingMode": "PAY_PER_REQUEST",
            "KeySchema": [dict(k) for k in props["KeySchema"]],
            "AttributeDefinitions": [dict(a) for a in props["AttributeDefinitions"]],
            "StreamSpecification": dict(props["StreamSpecification"]),
        },
    }
    stack = {
        "Resources": {"FindingsTable": table},
        "Outputs": {"FindingsTableName": {"Value": {"Ref": "FindingsTable"}}},
    }
    cfn = session.client("cloudformation")
    cfn.create_stack(StackName="sfscan", TemplateBody=json.dumps(stack))
    [output] = cfn.describe_stacks(StackName="sfscan")["Stacks"][0]["Outputs"]
    topic = session.client("sns").create_topic(Name="findings")["TopicArn"]
    queue = session.client("sqs").create_queue(QueueName="publish-failures")["QueueUrl"]
    return {"table": str(output["OutputValue"]), "topic": topic, "queue": queue}


@pytest.fixture
def world(sim: OrgSimulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "SFSCAN_CLIENT_SECRET"):
        monkeypatch.delenv(name, raising=False)
    env = {
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        # What docs/collect.md has the reader export for live commands without flags.
        "SFSCAN_LOGIN_URL": sim.login_url,
        "SFSCAN_CLIENT_ID": sim.client_id,
        "SFSCAN_USERNAME": sim.username,
        "SFSCAN_PRIVATE_KEY_FILE": sim.private_key_file,
        "SFSCAN_CA_BUNDLE": sim.ca_bundle,
        "SFSCAN_ALLOWED_HOSTS": "127.0.0.1",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    for name in ("orgsim", "events"):
        (tmp_path / name).symlink_to(ROOT / name)
    monkeypatch.chdir(tmp_path)
    with mock_aws():
        res = aws_resources()
        monkeypatch.setenv("SFSCAN_TABLE", res["table"])  # what the docs tell the reader to export
        sm = boto3.session.Session(region_name=REGION).client("secretsmanager")
        for org in REGISTERED:
            sm.create_secret(
                Name=f"sfscan/orgs/{org}", SecretString=json.dumps(credentials(sim, org))
            )
        placeholders = {
            "<login_url>": sim.login_url,
            "<client_id>": sim.client_id,
            "<username>": sim.username,
            "<private_key_file>": sim.private_key_file,
            "<ca_bundle>": sim.ca_bundle,
            "<FindingsTableName>": res["table"],
            "<FindingsTable>": res["table"],
            "<FindingsTopicArn>": res["topic"],
            "<PublishFailureQueueUrl>": res["queue"],
            "TABLE": res["table"],
        }
        yield World(sim, tmp_path, placeholders)


def argv_of(world: World, text: str) -> tuple[list[str], str | None]:
    tokens = shlex.split(text, comments=True)
    if tokens[0] == "$":
        tokens = tokens[1:]
    tokens = [world.placeholders.get(t, t) for t in tokens[1:]]
    unknown = [t for t in tokens if re.fullmatch(r"<[^>]+>", t)]
    assert not unknown, f"placeholder {unknown} has no value in PLACEHOLDERS: {text}"
    redirect = None
    if ">" in tokens:
        i = tokens.index(">")
        redirect, tokens = tokens[i + 1], tokens[:i] + tokens[i + 2 :]
    for flag, value in itertools.pairwise(tokens):
        if flag.startswith("--"):
            world.provide(flag, value)
    return tokens, redirect


def run(world: World, command: Command) -> tuple[int, str]:
    argv, redirect = argv_of(world, command.text)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exc:  # --version, --help
            code = int(exc.code or 0)
    if redirect:
        (world.cwd / redirect).write_text(out.getvalue())
    where = f"{command.doc}:{command.line}: {command.text}"
    return code, f"{where}\n{out.getvalue()[-1500:]}{err.getvalue()[-1500:]}"


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_sfscan_command_in_the_docs_runs(doc: Path, world: World) -> None:
    cmds = commands(doc)
    ran = 0
    for command in cmds:
        if _not_runnable(command.text):
            continue
        code, output = run(world, command)
        allowed = {0, 1} if " scan" in command.text else {0}
        assert code in allowed, f"exit {code}\n{output}"
        ran += 1
    assert ran or not cmds


def test_the_docs_show_commands_at_all() -> None:
    found = [c for doc in DOCS for c in commands(doc)]
    assert len(found) >= 20
    assert {c.doc for c in found} >= {"README.md", "docs/deploy.md", "docs/settings.md"}


# -- what is not an sfscan command, checked as text ---------------------------------------------


def all_shell_lines() -> list[tuple[str, int, str]]:
    return [
        (str(doc.relative_to(ROOT)), n, line)
        for doc in DOCS
        for n, line in shell_lines(doc)
        if line
    ]


def test_aws_lambda_invoke_payloads_are_raw_json() -> None:
    # AWS CLI v2 reads --payload as base64 unless told otherwise.
    for doc, n, line in all_shell_lines():
        if "aws lambda invoke" in line and "--payload" in line:
            assert "--cli-binary-format raw-in-base64-out" in line, f"{doc}:{n}: {line}"


def test_sam_is_called_from_its_venv() -> None:
    for doc, n, line in all_shell_lines():
        assert not re.match(r"^(\$ )?sam\s", line), f"{doc}:{n}: sam lives in .venv-sam: {line}"


def test_docs_are_self_contained() -> None:
    for doc in DOCS:
        text = doc.read_text(encoding="utf-8")
        assert "../shared" not in text, f"{doc.relative_to(ROOT)} cites a file outside the repo"
        assert "CONTROL.md" not in text, f"{doc.relative_to(ROOT)} cites CONTROL.md"


def test_relative_links_resolve() -> None:
    for doc in DOCS:
        for target in re.findall(r"\]\(([^)#]+?)(?:#[^)]*)?\)", doc.read_text(encoding="utf-8")):
            if "://" in target or target.startswith("mailto:"):
                continue
            assert (doc.parent / target).exists(), f"{doc.relative_to(ROOT)} links {target}"
