"""Fixtures: the org simulator serving the demo org (or a variant), and credentials for it."""

from __future__ import annotations

import copy
import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

_ROOT = Path(__file__).resolve().parents[3]
if str(_ROOT) not in sys.path:
    sys.path.insert(0, str(_ROOT))

from sfscan.collect.collector import collect_snapshot  # noqa: E402
from sfscan.collect.credentials import OrgCredentials, parse_credentials  # noqa: E402
from sfscan.collect.hosts import HostPolicy  # noqa: E402
from sfscan.collect.http import HttpConfig  # noqa: E402
from sfscan.domain.settings import Settings, load_settings  # noqa: E402
from sfscan.domain.snapshot import Snapshot, load_snapshot  # noqa: E402

from orgsim import Faults, OrgSimulator  # noqa: E402

DEMO = _ROOT / "orgsim" / "orgs" / "demo.json"
DEMO_SETTINGS = _ROOT / "orgsim" / "orgs" / "demo.settings.json"
NO_SLEEP = HttpConfig(sleep=lambda _: None)


@pytest.fixture(scope="session")
def demo() -> Snapshot:
    return load_snapshot(DEMO)


@pytest.fixture(scope="session")
def demo_settings() -> Settings:
    return load_settings(DEMO_SETTINGS)


@pytest.fixture
def demo_dict() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(DEMO.read_text())
    return copy.deepcopy(data)


@pytest.fixture
def sim(demo: Snapshot) -> Iterator[OrgSimulator]:
    with OrgSimulator(demo, faults=Faults()) as running:
        yield running


def jwt_credentials(sim: OrgSimulator, settings: dict[str, Any] | None = None) -> OrgCredentials:
    data: dict[str, Any] = {
        "name": "demo",
        "login_url": sim.login_url,
        "auth": {
            "flow": "jwt",
            "client_id": sim.client_id,
            "username": sim.username,
            "private_key": Path(sim.private_key_file).read_text(),
        },
    }
    if settings is not None:
        data["settings"] = settings
    return parse_credentials(data)


def cc_credentials(sim: OrgSimulator) -> OrgCredentials:
    return parse_credentials(
        {
            "name": "demo",
            "login_url": sim.login_url,
            "auth": {
                "flow": "client_credentials",
                "client_id": sim.client_id,
                "client_secret": sim.client_secret,
            },
        }
    )


Collect = Callable[..., Snapshot]


@pytest.fixture
def collect(demo: Snapshot) -> Collect:
    """collect_snapshot against a simulator, at the demo's captured_at, allowing 127.0.0.1."""

    def run(
        sim: OrgSimulator, credentials: OrgCredentials | None = None, **kwargs: Any
    ) -> Snapshot:
        kwargs.setdefault("host_policy", HostPolicy(["127.0.0.1"]))
        kwargs.setdefault("now", demo.captured_at)
        kwargs.setdefault("http_config", NO_SLEEP)
        return collect_snapshot(
            credentials or jwt_credentials(sim), ca_bundle=sim.ca_bundle, **kwargs
        )

    return run
