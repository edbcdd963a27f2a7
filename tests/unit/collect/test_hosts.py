"""The host allow-list: credentials and tokens go only to Salesforce or hosts the user named."""

from __future__ import annotations

import pytest
from sfscan.collect.hosts import HostPolicy, allowed_hosts_from_env
from sfscan.domain.errors import InputError


@pytest.mark.parametrize(
    "url",
    [
        "https://login.salesforce.com",
        "https://test.salesforce.com/services/oauth2/token",
        "https://acme.my.salesforce.com",
        "https://acme--uat.sandbox.my.salesforce.com:443/x",
        "https://na1.force.com",
        "https://acme.cloudforce.com",
        "https://login.salesforce.mil",
        "https://acme.my.sfcrmproducts.cn",
        "https://acme.my.salesforce-sites.com",
        "https://acme.my.site.com",
        "https://ACME.MY.SALESFORCE.COM.",
    ],
)
def test_salesforce_domains_are_allowed(url: str) -> None:
    HostPolicy().check(url)


@pytest.mark.parametrize(
    "url",
    [
        "https://evilsalesforce.com",
        "https://salesforce.com.evil.example",
        "https://acme.my.salesforce.com.attacker.io",
        "https://127.0.0.1:8443",
        "https://example.com",
    ],
)
def test_other_hosts_are_refused_with_the_flag_to_allow_them(url: str) -> None:
    with pytest.raises(InputError, match="--allow-host"):
        HostPolicy().check(url)


@pytest.mark.parametrize(
    "url", ["http://login.salesforce.com", "ftp://acme.my.salesforce.com", "login.salesforce.com"]
)
def test_only_https_is_allowed(url: str) -> None:
    with pytest.raises(InputError, match="https"):
        HostPolicy().check(url)


def test_user_information_in_a_url_is_refused() -> None:
    with pytest.raises(InputError, match="user information"):
        HostPolicy().check("https://user:pw@acme.my.salesforce.com")


def test_an_allowed_host_without_port_allows_any_port() -> None:
    policy = HostPolicy(["127.0.0.1"])
    policy.check("https://127.0.0.1:8443/services/oauth2/token")
    policy.check("https://127.0.0.1")


def test_an_allowed_host_with_port_allows_only_that_port() -> None:
    policy = HostPolicy(["127.0.0.1:8443", "[::1]:9443"])
    policy.check("https://127.0.0.1:8443")
    policy.check("https://[::1]:9443")
    with pytest.raises(InputError, match=r"127.0.0.1:9999"):
        policy.check("https://127.0.0.1:9999")
    assert policy.extra_allowed == ("127.0.0.1:8443", "::1:9443")


def test_allowing_a_host_does_not_allow_http() -> None:
    with pytest.raises(InputError, match="https"):
        HostPolicy(["127.0.0.1"]).check("http://127.0.0.1:8080")


@pytest.mark.parametrize("entry", ["https://x.example", "x.example:notaport", " ", "a@b"])
def test_malformed_allow_entries_are_refused(entry: str) -> None:
    with pytest.raises(InputError):
        HostPolicy([entry])


def test_environment_list_is_comma_separated() -> None:
    env = {"SFSCAN_ALLOWED_HOSTS": "127.0.0.1:8443, sim.internal ,,"}
    assert allowed_hosts_from_env(env) == ["127.0.0.1:8443", "sim.internal"]
    assert allowed_hosts_from_env({}) == []
