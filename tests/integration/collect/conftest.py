"""Fixtures: the org simulator serving the demo org (or a variant), and credentials for it."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import pytest
from collect_kit import DEMO, DEMO_SETTINGS, NO_SLEEP, Collect, jwt_credentials
from sfscan.collect.collector import collect_snapshot
from sfscan.collect.credentials import OrgCredentials
from sfscan.collect.hosts import HostPolicy
from sfscan.domain.settings import Settings, load_settings
from sfscan.domain.snapshot import Snapshot, load_snapshot

from orgsim import Faults, OrgSimulator


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
