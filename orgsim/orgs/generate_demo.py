"""Write the bundled demo org: ``demo.json`` (snapshot) and ``demo.settings.json``.

Deterministic: a fixed seed and a fixed capture time, never the wall clock, so running it twice
gives byte-identical files (a unit test checks that the committed files match).

    python orgsim/orgs/generate_demo.py            # rewrite the files next to this script
    python orgsim/orgs/generate_demo.py --out-dir /tmp/x

The org, "Acme Corporation", is built so that every rule of CONTROL.md has at least one FAILED and
one PASSED resource (SF-ORG-01 judges the org itself, which FAILS here). The story per user is in
INTEGRATION_USERS below; the comments say which rule each detail exercises.
"""

from __future__ import annotations

import argparse
import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sfscan.rules._values import id18  # the scanner's own 15 -> 18 character conversion

from orgsim.records import (
    iso,
    make_assignment,
    make_connected_app,
    make_connected_application,
    make_eca,
    make_eca_policy,
    make_ip_range,
    make_license,
    make_login,
    make_oauth_token,
    make_permission_set,
    make_permission_set_group,
    make_profile,
    make_profile_permission_set,
    make_security_settings,
    make_user,
)

SEED = 20261128
CAPTURED_AT = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
DOMAIN = "acme.example.com"

OFFICE_V4 = "203.0.113"  # inside allowed_networks (headquarters)
DATACENTER_V4 = "198.51.100"  # inside allowed_networks (data centre)
PARTNER_V4 = "198.51.101"  # outside: the second half of a too-wide profile range
DATACENTER_V6 = "2001:db8:ace"  # inside allowed_networks (IPv6 data centre)
TOR_EXIT = "185.220.101"  # typical Tor exit addresses: outside
CI_CLOUD = "192.0.2"  # a cloud CI runner: outside
HOME_CGNAT = "100.64"  # employees' home ISPs (carrier-grade NAT): outside

RecordT = dict[str, Any]

# -- Salesforce ids ----------------------------------------------------------------------------

_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


class IdFactory:
    """Sequential ids per key prefix, on the demo org's pod ("5g")."""

    def __init__(self) -> None:
        self._next: dict[str, int] = {}

    def new(self, prefix: str) -> str:
        n = self._next.get(prefix, 1)
        self._next[prefix] = n + 1
        body = ""
        # start mid-range, differently per key prefix, so ids look lived-in and distinct
        value = n + 40_000 + 7_919 * sum(map(ord, prefix))
        for _ in range(10):
            value, rem = divmod(value, 62)
            body = _BASE62[rem] + body
        return id18(prefix + "5g" + body)


# -- the org's configuration -------------------------------------------------------------------

EXCESSIVE = ("ModifyAllData", "ViewAllData", "ManageUsers", "AuthorApex", "CustomizeApplication")

LICENSES = {
    "Salesforce": "Salesforce",
    "Integration": "Salesforce Integration",
    "Community": "Customer Community",
}

# key: (name, licence, api_only, excessive permissions granted, login ranges)
PROFILES: dict[str, tuple[str, str, bool, tuple[str, ...], tuple[tuple[str, str, str], ...]]] = {
    "admin": ("System Administrator", "Salesforce", False, EXCESSIVE, ()),
    "standard": ("Standard User", "Salesforce", False, (), ()),
    "sales": ("Acme Sales User", "Salesforce", False, (), ()),
    # licence reason; a narrow range inside allowed_networks (SF-IU-02/03 PASSED)
    "int_license": (
        "Acme Integration (Integration License)",
        "Integration",
        True,
        (),
        ((f"{OFFICE_V4}.10", f"{OFFICE_V4}.20", "HQ integration hosts"),),
    ),
    # licence + profile reasons; an IPv6 range inside allowed_networks
    "min_api": (
        "Minimum Access - API Only Integrations",
        "Integration",
        True,
        (),
        ((f"{DATACENTER_V6}::", f"{DATACENTER_V6}::ffff", "Data centre IPv6 hosts"),),
    ),
    # profile reason only; no API Only and no range (SF-IU-01/02 FAILED)
    "legacy": ("Salesforce API Only System Integrations", "Salesforce", False, (), ()),
    # api-only reason; a range that spills outside allowed_networks (SF-IU-03 FAILED) and
    # Modify All Data (SF-IU-06 FAILED)
    "api_only": (
        "Acme API Only",
        "Salesforce",
        True,
        ("ModifyAllData",),
        ((f"{DATACENTER_V4}.0", f"{PARTNER_V4}.255", "Data centre and partner network"),),
    ),
    # a profile integration users share with a human (SF-IU-05 FAILED); range inside
    "service": (
        "Acme Service Account",
        "Salesforce",
        False,
        (),
        ((f"{OFFICE_V4}.0", f"{OFFICE_V4}.255", "Headquarters"),),
    ),
    "portal": ("Customer Community User", "Community", False, (), ()),
}

# key: (name, api_only, excessive permissions); the label is the name with spaces
PERMISSION_SETS: dict[str, tuple[str, bool, tuple[str, ...]]] = {
    "api_only": ("API_Only_Access", True, ()),
    "integration_access": ("Integration_Access", False, ("ViewAllData",)),
    "data_export": ("Data_Export_Admin", False, ("ModifyAllData",)),
    "sales_ops": ("Sales_Operations", False, ()),
}
PSG_NAME = "Integration_Baseline"  # its aggregate set grants API Only
# A group Salesforce is still recalculating (Status Outdated): its aggregate permissions may be
# stale, so no verdict that depends on it may PASS (SF-IU-06 NOT_AVAILABLE for cloud.sync).
OUTDATED_PSG_NAME = "Integration_Legacy_Bundle"

HUMANS: tuple[tuple[str, str, bool], ...] = (
    # (full name, profile key, active)
    ("Priya Raman", "admin", True),
    ("Daniel Okafor", "admin", True),
    ("Emma Lindqvist", "standard", True),
    ("Marcus Chen", "standard", True),
    ("Sofia Alvarez", "standard", True),
    ("James O'Connor", "standard", True),
    ("Aiko Tanaka", "standard", True),
    ("Lukas Becker", "standard", True),
    ("Fatima Haddad", "standard", True),
    ("Noah Williams", "standard", True),
    ("Olivia Martin", "standard", True),
    ("Ravi Shankar", "standard", True),
    ("Chloe Dubois", "standard", True),
    ("Mateo Rossi", "standard", True),
    ("Grace Kim", "standard", True),
    ("Samuel Adeyemi", "standard", False),
    ("Hannah Novak", "standard", False),
    ("Liam Murphy", "sales", True),
    ("Isabella Costa", "sales", True),
    ("Ethan Brooks", "sales", True),
    ("Mia Johansson", "sales", True),
    ("Arjun Patel", "sales", True),
    ("Zoe Fischer", "sales", True),
    ("Benjamin Clarke", "sales", True),
    ("Amara Nwosu", "sales", False),
    ("Tom Becker", "service", True),  # a support engineer on the service-account profile
)

# (username local part, name, profile key, story). Reasons in comments.
INTEGRATION_USERS: tuple[tuple[str, str, str], ...] = (
    ("mulesoft.integration", "MuleSoft Integration", "int_license"),  # license; all PASSED
    ("etl.integration", "ETL Integration", "min_api"),  # license+profile; Tor logins
    ("legacy.integration", "Legacy Integration", "legacy"),  # profile; UI logins
    ("reporting.api", "Reporting API", "api_only"),  # api-only
    ("datasync.runas", "Data Sync Run-As", "service"),  # run-as (connected app)
    ("warehouse.runas", "Warehouse Sync Run-As", "service"),  # run-as (ECA)
    ("backup.service", "Backup Service", "standard"),  # configured: username
    ("int-marketo", "Marketo Sync", "service"),  # configured: username pattern
    ("tableau.connector", "Tableau Connector User", "api_only"),  # configured: permission set
    ("jenkins.deploy", "Jenkins Deploy", "admin"),  # behavior: only API logins
    ("sso.healthcheck", "SSO Health Check", "standard"),  # excluded although API-only logins
)
INACTIVE_INTEGRATION = ("informatica.old", "Informatica (retired)", "min_api")
# An integration user whose UserType is not Standard: judged all the same (licence + profile);
# it also made a login of a type sfscan does not know (SF-IU-04 WARNING).
CLOUD_INTEGRATION = ("cloud.sync", "Cloud Sync Integration", "min_api", "CloudIntegrationUser")
UNKNOWN_LOGIN_TYPE = "CrossTenantLogin"
PORTAL_USERS = (
    ("j.whitfield", "Jordan Whitfield", "PowerCustomerSuccess"),
    ("l.moreau", "Lea Moreau", "CspLitePortal"),  # only API logins (community app): out of scope
)


def username(local: str) -> str:
    return f"{local}@{DOMAIN}"


def human_username(name: str) -> str:
    first, last = name.lower().replace("'", "").split(" ", 1)
    return username(f"{first}.{last.replace(' ', '')}")


# -- builders ----------------------------------------------------------------------------------


class DemoOrg:
    def __init__(self) -> None:
        self.rng = random.Random(SEED)
        self.ids = IdFactory()
        self.org_id = id18("00D5g000004DEMO")
        self.licenses = {k: make_license(v, Id=self.ids.new("100")) for k, v in LICENSES.items()}
        self.profiles: dict[str, RecordT] = {}
        self.profile_sets: dict[str, RecordT] = {}
        self.ranges: list[RecordT] = []
        self.users: dict[str, RecordT] = {}  # by username
        self.sets: dict[str, RecordT] = {}
        self.assignments: list[RecordT] = []
        self.logins: list[RecordT] = []
        self.last_login: dict[str, datetime] = {}

    # profiles, permission sets, users

    def build_profiles(self) -> None:
        for key, (name, lic, api_only, granted, ranges) in PROFILES.items():
            perms: RecordT = {f"Permissions{p}": p in granted for p in EXCESSIVE}
            profile = make_profile(
                name, license=self.licenses[lic], api_only=api_only, Id=self.ids.new("00e"), **perms
            )
            self.profiles[key] = profile
            # Every profile has an underlying, profile-owned set, named by the 15-character id.
            self.profile_sets[key] = make_profile_permission_set(
                profile,
                Id=self.ids.new("0PS"),
                Name="X" + profile["Id"][:15],
                Label=profile["Id"][:15],
                PermissionsApiUserOnly=api_only,
                **perms,
            )
            for start, end, desc in ranges:
                self.ranges.append(
                    make_ip_range(profile, start, end, Id=self.ids.new("00a"), Description=desc)
                )

    def build_permission_sets(self) -> None:
        for key, (name, api_only, granted) in PERMISSION_SETS.items():
            perms: RecordT = {f"Permissions{p}": p in granted for p in EXCESSIVE}
            self.sets[key] = make_permission_set(
                name, api_only=api_only, Id=self.ids.new("0PS"), **perms
            )
        self.psg = make_permission_set_group(PSG_NAME, Id=self.ids.new("0PG"))
        # The group's aggregate set carries the group's combined permissions.
        self.sets["psg_aggregate"] = self.aggregate_set(self.psg)
        self.outdated_psg = make_permission_set_group(
            OUTDATED_PSG_NAME, Id=self.ids.new("0PG"), Status="Outdated"
        )
        self.sets["outdated_aggregate"] = self.aggregate_set(self.outdated_psg)

    def aggregate_set(self, group: RecordT) -> RecordT:
        """A group's aggregate permission set: API Only, none of the excessive permissions."""
        return make_permission_set(
            "Aggregate_" + group["DeveloperName"],
            api_only=True,
            group=group,
            Id=self.ids.new("0PS"),
            Label=group["MasterLabel"],
            **{f"Permissions{p}": False for p in EXCESSIVE},
        )

    def add_user(self, uname: str, name: str, profile: str, active: bool, utype: str) -> RecordT:
        user = make_user(
            uname,
            self.profiles[profile],
            active=active,
            user_type=utype,
            Id=self.ids.new("005"),
            Name=name,
            LastLoginDate=None,
        )
        self.users[uname] = user
        self.assign(uname, self.profile_sets[profile]["Id"])
        return user

    def assign(
        self,
        uname: str,
        set_id: str,
        *,
        group_id: str | None = None,
        active: bool = True,
        expires: datetime | None = None,
        revoked: bool = False,
    ) -> None:
        self.assignments.append(
            make_assignment(
                self.users[uname],
                Id=self.ids.new("0Pa"),
                PermissionSetId=set_id,
                PermissionSetGroupId=group_id,
                IsActive=active,
                IsRevoked=revoked,
                ExpirationDate=iso(expires) if expires else None,
            )
        )

    def build_users(self) -> None:
        for name, profile, active in HUMANS:
            self.add_user(human_username(name), name, profile, active, "Standard")
        for local, name, profile in INTEGRATION_USERS:
            self.add_user(username(local), name, profile, True, "Standard")
        local, name, profile = INACTIVE_INTEGRATION
        self.add_user(username(local), name, profile, False, "Standard")
        for local, name, utype in PORTAL_USERS:
            self.add_user(f"{local}@customer.example.org", name, "portal", True, utype)

        sets = self.sets
        self.assign(username("datasync.runas"), sets["api_only"]["Id"])  # API Only via a set
        self.assign(username("datasync.runas"), sets["data_export"]["Id"])  # SF-IU-06 via a set
        self.assign(  # API Only via a permission-set group
            username("warehouse.runas"), sets["psg_aggregate"]["Id"], group_id=self.psg["Id"]
        )
        # An expired and an inactive assignment: neither grants API Only (SF-IU-01 FAILED).
        self.assign(
            username("backup.service"),
            sets["api_only"]["Id"],
            expires=CAPTURED_AT - timedelta(days=13),
        )
        self.assign(username("int-marketo"), sets["api_only"]["Id"], active=False)
        self.assign(username("tableau.connector"), sets["integration_access"]["Id"])
        self.assign(  # still valid: expires after the capture
            username("reporting.api"),
            sets["integration_access"]["Id"],
            expires=CAPTURED_AT + timedelta(days=60),
        )
        for name in ("Liam Murphy", "Isabella Costa", "Ethan Brooks"):
            self.assign(human_username(name), sets["sales_ops"]["Id"])
        local, name, profile, utype = CLOUD_INTEGRATION
        self.add_user(username(local), name, profile, True, utype)
        self.assign(  # a group being recalculated: SF-IU-06 cannot pass cloud.sync
            username(local), sets["outdated_aggregate"]["Id"], group_id=self.outdated_psg["Id"]
        )
        # A revoked assignment of Modify All Data: it no longer counts (SF-IU-06 PASSED).
        self.assign(username("mulesoft.integration"), sets["data_export"]["Id"], revoked=True)

    # login history

    def login(
        self,
        uname: str,
        when: datetime,
        login_type: str,
        ip: str,
        application: str,
        status: str = "Success",
    ) -> None:
        # (fixed-width UTC times sort as the moments do; the Id is numbered after sorting)
        self.logins.append(
            make_login(
                self.users[uname],
                login_type,
                ip,
                when=iso(when),
                status=status,
                Application=application,
            )
        )
        if status == "Success" and when > self.last_login.get(
            uname, datetime.min.replace(tzinfo=UTC)
        ):
            self.last_login[uname] = when

    def at(self, days_ago: int, hour: int, minute: int | None = None) -> datetime:
        day = (CAPTURED_AT - timedelta(days=days_ago)).replace(hour=0, minute=0, second=0)
        m = self.rng.randrange(60) if minute is None else minute
        return day + timedelta(hours=hour, minutes=m, seconds=self.rng.randrange(60))

    def api_daily(
        self,
        uname: str,
        ips: list[str],
        app: str,
        per_day: int,
        login_type: str = "Remote Access 2.0",
    ) -> None:
        for days_ago in range(1, 30):
            for _ in range(per_day):
                self.login(
                    uname,
                    self.at(days_ago, self.rng.randrange(24)),
                    login_type,
                    self.rng.choice(ips),
                    app,
                )

    def build_logins(self) -> None:
        self._human_logins()
        self._integration_logins()
        self._number_logins()

    def _human_logins(self) -> None:
        rng = self.rng
        # Humans: UI logins on weekdays from the office or home; some use the mobile app.
        for name, _profile, active in HUMANS:
            if not active:
                continue
            uname = human_username(name)
            home = f"{HOME_CGNAT}.{rng.randrange(1, 250)}.{rng.randrange(2, 250)}"
            mobile = rng.random() < 0.3
            for days_ago in range(1, 30):
                if (CAPTURED_AT - timedelta(days=days_ago)).weekday() >= 5 or rng.random() < 0.35:
                    continue
                ip = f"{OFFICE_V4}.{rng.randrange(100, 200)}" if rng.random() < 0.7 else home
                kind = "Application" if rng.random() < 0.8 else "SAML Idp Initiated SSO"
                self.login(uname, self.at(days_ago, rng.randrange(7, 18)), kind, ip, "Browser")
                if mobile and rng.random() < 0.4:
                    when = self.at(days_ago, rng.randrange(18, 22))
                    self.login(uname, when, "Remote Access 2.0", home, "Acme Field Mobile")
            if rng.random() < 0.15:  # a mistyped password now and then
                when = self.at(rng.randrange(1, 29), 9)
                self.login(uname, when, "Application", home, "Browser", status="Invalid Password")

    def _integration_logins(self) -> None:
        dc = [f"{DATACENTER_V4}.{n}" for n in (21, 22, 23)]
        # mulesoft: API from its narrow HQ range only. Blocked and failed attempts from a Tor
        # exit, and a UI login older than the window, must not count against it.
        self.api_daily(
            username("mulesoft.integration"),
            [f"{OFFICE_V4}.{n}" for n in (11, 12)],
            "MuleSoft Anypoint",
            4,
        )
        for days_ago in (3, 3, 9):
            when = self.at(days_ago, 2)
            self.login(
                username("mulesoft.integration"),
                when,
                "Remote Access 2.0",
                f"{TOR_EXIT}.7",
                "MuleSoft Anypoint",
                "Restricted IP",
            )
        self.login(
            username("mulesoft.integration"),
            self.at(5, 3),
            "Application",
            f"{TOR_EXIT}.7",
            "Browser",
            "Invalid Password",
        )
        self.login(
            username("mulesoft.integration"),
            self.at(38, 10),
            "Application",
            f"{OFFICE_V4}.150",
            "Browser",
        )

        # etl: IPv6 data centre, plus successful API logins from Tor exits through the BYPASS app.
        etl = username("etl.integration")
        self.api_daily(etl, [f"{DATACENTER_V6}::10", f"{DATACENTER_V6}::11"], "Legacy ETL", 3)
        for days_ago, host in ((2, 34), (2, 34), (4, 35), (11, 34), (16, 36), (16, 36)):
            self.login(
                etl, self.at(days_ago, 3), "Remote Access 2.0", f"{TOR_EXIT}.{host}", "Legacy ETL"
            )

        # legacy: SOAP API logins from the data centre and a person logging in to the UI with it.
        legacy = username("legacy.integration")
        self.api_daily(legacy, dc, "N/A", 2, login_type="Other Apex API")
        for days_ago in (6, 14, 22):
            self.login(legacy, self.at(days_ago, 11), "Application", f"{OFFICE_V4}.131", "Browser")

        # reporting: from its own profile range, half of which is outside allowed_networks.
        self.api_daily(
            username("reporting.api"),
            [f"{DATACENTER_V4}.40", f"{PARTNER_V4}.17"],
            "Tableau Connector",
            2,
        )
        self.api_daily(username("datasync.runas"), [f"{OFFICE_V4}.40"], "Acme Data Sync", 3)
        self.api_daily(
            username("warehouse.runas"), [f"{DATACENTER_V6}::20"], "Acme Warehouse Sync", 2
        )
        self.api_daily(username("backup.service"), [f"{DATACENTER_V4}.77"], "OwnBackup", 1)
        self.api_daily(username("int-marketo"), [f"{OFFICE_V4}.60"], "Marketo Sync", 1)
        self.api_daily(
            username("tableau.connector"), [f"{DATACENTER_V4}.41"], "Tableau Connector", 1
        )
        # jenkins: API logins only (behavior) from a cloud CI runner outside allowed_networks;
        # the UI login 40 days ago is outside the window and does not spoil "behavior".
        jenkins = username("jenkins.deploy")
        self.api_daily(jenkins, [f"{CI_CLOUD}.44", f"{CI_CLOUD}.45"], "Jenkins CI", 1)
        self.login(jenkins, self.at(40, 15), "Application", f"{OFFICE_V4}.120", "Browser")
        self.login(jenkins, self.at(35, 2), "Remote Access 2.0", f"{TOR_EXIT}.40", "Jenkins CI")
        self.api_daily(
            username("sso.healthcheck"), [f"{OFFICE_V4}.5"], "N/A", 1, login_type="Other Apex API"
        )
        for days_ago in (1, 8, 15, 22):
            self.login(
                "l.moreau@customer.example.org",
                self.at(days_ago, 20),
                "Remote Access 2.0",
                f"{HOME_CGNAT}.9.9",
                "Acme Community App",
            )
        self.login(
            "j.whitfield@customer.example.org",
            self.at(7, 14),
            "Application",
            f"{HOME_CGNAT}.3.4",
            "Browser",
        )

        cloud = username(CLOUD_INTEGRATION[0])
        self.api_daily(cloud, [f"{DATACENTER_V6}::30"], "Acme Warehouse Sync", 1)
        self.login(cloud, self.at(4, 16), UNKNOWN_LOGIN_TYPE, f"{DATACENTER_V6}::30", "N/A")

    def _number_logins(self) -> None:
        """Ids in time order, once every login is known."""
        self.logins.sort(key=lambda r: (r["LoginTime"], r["UserId"]))
        for row in self.logins:
            row["Id"] = self.ids.new("0Ya")
        for uname, when in self.last_login.items():
            self.users[uname]["LastLoginDate"] = iso(when)

    # connected apps, external client apps, settings

    def connected_apps(self) -> tuple[list[RecordT], list[RecordT]]:
        """(metadata ConnectedApp records, SOQL ConnectedApplication rows)."""

        def oauth_app(
            full_name: str,
            label: str,
            *,
            relaxation: str | None,
            admin_approved: bool,
            run_as: str | None = None,
            scopes: tuple[str, ...] = ("Api", "RefreshToken"),
        ) -> RecordT:
            # relaxation None: no ipRelaxation, a partial read, NOT_AVAILABLE (required since v49)
            return make_connected_app(
                full_name,
                label,
                ip_relaxation=relaxation,
                admin_approved=admin_approved,
                run_as=run_as,
                oauth_config={
                    "callbackUrl": f"https://login.{DOMAIN}/oauth/{full_name.lower()}/callback",
                    "isClientCredentialEnabled": run_as is not None,
                    "scopes": list(scopes),
                },
                oauth_policy={"refreshTokenPolicy": "specific_lifetime:90:DAYS"},
                contactEmail=f"it-security@{DOMAIN}",
            )

        metadata = [
            oauth_app(
                "Acme_Data_Sync",
                "Acme Data Sync",
                relaxation="ENFORCE",
                admin_approved=True,
                run_as=username("datasync.runas"),
                scopes=("Api",),
            ),
            oauth_app(
                "MuleSoft_Anypoint", "MuleSoft Anypoint", relaxation=None, admin_approved=True
            ),
            oauth_app("Legacy_ETL", "Legacy ETL", relaxation="BYPASS", admin_approved=False),
            oauth_app(
                "Acme_Field_Mobile",
                "Acme Field Mobile",
                relaxation="BYPASS_2FACTOR",
                admin_approved=False,
            ),
            oauth_app(
                "Tableau_Connector",
                "Tableau Connector",
                relaxation="ENFORCE_RELAXREFRESH",
                admin_approved=True,
            ),
            oauth_app("Jenkins_CI", "Jenkins CI", relaxation="ENFORCE", admin_approved=True),
            make_connected_app(  # SAML only: not OAuth-enabled, so no OAuth policy to judge
                "Acme_Intranet_SSO",
                "Acme Intranet SSO",
                oauth=False,
                contactEmail=f"it-security@{DOMAIN}",
                samlConfig={
                    "acsUrl": f"https://intranet.{DOMAIN}/saml/acs",
                    "entityUrl": f"https://intranet.{DOMAIN}",
                    "subjectType": "Username",
                },
            ),
        ]
        soql = [
            make_connected_application(
                app["label"],
                bool(app.get("oauthConfig", {}).get("isAdminApproved", False)),
                Id=self.ids.new("0H4"),
            )
            for app in metadata
        ]
        # A managed-package app: visible to SOQL, its metadata not readable.
        docusign = make_connected_application("DocuSign eSignature", False, Id=self.ids.new("0H4"))
        soql.append(docusign)
        return metadata, soql

    def external_client_apps(self) -> tuple[list[RecordT], list[RecordT]]:
        apps = [
            make_eca("Acme_Warehouse_Sync", "Acme Warehouse Sync"),
            make_eca("Partner_Portal_API", "Partner Portal API"),
        ]
        policies = [
            make_eca_policy(
                "Acme_Warehouse_Sync",
                run_as=username("warehouse.runas"),
                commaSeparatedPermissionSet=PSG_NAME,
                refreshTokenPolicyType="SpecificLifetime",
                refreshTokenValidityPeriod=30,
                refreshTokenValidityUnit="Days",
            ),
            make_eca_policy(
                "Partner_Portal_API",
                ip_relaxation="Bypass",
                permitted_users="AllSelfAuthorized",
                isClientCredentialsFlowEnabled=False,
                refreshTokenPolicyType="Infinite",
            ),
        ]
        return apps, policies

    def oauth_tokens(self) -> list[RecordT]:
        rows = []
        pairs = [
            ("mulesoft.integration", "MuleSoft Anypoint"),
            ("etl.integration", "Legacy ETL"),
            ("reporting.api", "Tableau Connector"),
            ("tableau.connector", "Tableau Connector"),
            ("jenkins.deploy", "Jenkins CI"),
            ("backup.service", "OwnBackup"),  # not installed: SF-CA-04 FAILED
            (CLOUD_INTEGRATION[0], "Acme Warehouse Sync"),  # an external client app
            ("jenkins.deploy", "Salesforce Data Loader"),  # not installed either
        ]
        for name in ("Marcus Chen", "Grace Kim", "Liam Murphy", "Zoe Fischer"):
            pairs.append((human_username(name).split("@")[0], "Acme Field Mobile"))
        # The managed package's app: its metadata is unreadable, but it is installed.
        pairs.append((human_username("Priya Raman").split("@")[0], "DocuSign eSignature"))
        menu_items: dict[str, str] = {}
        for local, app in pairs:
            user = self.users[username(local)]
            menu_items.setdefault(app, self.ids.new("0Pp"))
            last = self.last_login.get(username(local), CAPTURED_AT - timedelta(days=3))
            row = make_oauth_token(
                app,
                user,
                last_used=iso(last),
                use_count=self.rng.randrange(5, 4_000),
                AppMenuItemId=menu_items[app],
            )
            rows.append(row)
        return rows

    def snapshot(self) -> RecordT:
        self.build_profiles()
        self.build_permission_sets()
        self.build_users()
        self.build_logins()
        apps, app_rows = self.connected_apps()
        ecas, eca_policies = self.external_client_apps()
        return {
            "schema": "sfscan-snapshot/1",
            "captured_at": CAPTURED_AT.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "org": {
                "Id": self.org_id,
                "Name": "Acme Corporation",
                "IsSandbox": False,
                "InstanceName": "NA224",
                "OrganizationType": "Enterprise Edition",
            },
            "sobjects": {
                "User": list(self.users.values()),
                "Profile": list(self.profiles.values()),
                "UserLicense": list(self.licenses.values()),
                "PermissionSet": list(self.profile_sets.values()) + list(self.sets.values()),
                "PermissionSetGroup": [self.psg, self.outdated_psg],
                "PermissionSetAssignment": self.assignments,
                "LoginIpRange": self.ranges,
                "ConnectedApplication": app_rows,
                "LoginHistory": self.logins,
                "OauthToken": self.oauth_tokens(),
            },
            "tooling": {
                "SecurityHealthCheck": [{"Score": "68"}],
                "SecurityHealthCheckRisks": health_check_risks(),
            },
            "metadata": {
                "ConnectedApp": apps,
                "ExternalClientApplication": ecas,
                "ExtlClntAppOauthConfigurablePolicies": eca_policies,
                "SecuritySettings": [
                    make_security_settings(
                        False,  # enforceIpRangesEveryRequest: SF-ORG-01 FAILED
                        networkAccess={
                            "ipRanges": [
                                {
                                    "start": f"{OFFICE_V4}.0",
                                    "end": f"{OFFICE_V4}.255",
                                    "description": "Headquarters",
                                },
                                {
                                    "start": f"{DATACENTER_V4}.0",
                                    "end": f"{DATACENTER_V4}.255",
                                    "description": "Data centre",
                                },
                            ]
                        },
                    )
                ],
            },
            "unavailable": {
                "metadata:ConnectedApp:dsfs__DocuSign_eSignature": (
                    "INSUFFICIENT_ACCESS: managed package metadata cannot be retrieved"
                ),
            },
        }

    def settings(self) -> RecordT:
        return {
            "allowed_networks": [
                f"{OFFICE_V4}.0/24",
                f"{DATACENTER_V4}.0/24",
                f"{DATACENTER_V6}::/48",
            ],
            "lookback_days": 30,
            "outside_login_scope": "integration",
            "integration_users": {
                "usernames": [username("backup.service")],
                "username_patterns": [r"^int-[a-z0-9-]+@acme\.example\.com$"],
                "permission_sets": ["Integration_Access"],
                "exclude_usernames": [username("sso.healthcheck")],
                "detect_by_behavior": True,
            },
            "excessive_permissions": list(EXCESSIVE),
            "suppressions": [
                {
                    "rule_id": "SF-IU-06",
                    "resource_id": self.users[username("jenkins.deploy")]["Id"],
                    "reason": "Deployments need Modify All Data until the pipeline moves to "
                    "scoped permissions (CHG-2211).",
                    "expires": "2027-03-31T00:00:00Z",
                },
                {
                    "rule_id": "SF-CA-01",
                    "resource_id": "Legacy_ETL",
                    "reason": "Vendor migration to the new ETL platform (CHG-1874).",
                    "expires": "2026-10-31T00:00:00Z",  # expired: no longer applies
                },
            ],
        }


def health_check_risks() -> list[RecordT]:
    rows = [
        (
            "HIGH_RISK",
            "Enforce login IP ranges on every request",
            "SessionSettings",
            "MEDIUM_RISK",
            "Disabled",
            "Enabled",
        ),
        (
            "HIGH_RISK",
            "Lock sessions to the IP address from which they originated",
            "SessionSettings",
            "MEDIUM_RISK",
            "Disabled",
            "Enabled",
        ),
        ("MEDIUM_RISK", "Minimum password length", "PasswordPolicies", "HIGH_RISK", "8", "12"),
        (
            "MEETS_STANDARD",
            "Maximum invalid login attempts",
            "PasswordPolicies",
            "HIGH_RISK",
            "5",
            "5",
        ),
        (
            "MEETS_STANDARD",
            "Require HttpOnly attribute",
            "SessionSettings",
            "MEDIUM_RISK",
            "Enabled",
            "Enabled",
        ),
    ]
    return [
        {
            "RiskType": risk,
            "Setting": setting,
            "SettingGroup": group,
            "SettingRiskCategory": category,
            "OrgValue": org_value,
            "StandardValue": standard,
        }
        for risk, setting, group, category, org_value, standard in rows
    ]


# -- output: one record per line keeps the file reviewable in diffs ----------------------------


def dump_snapshot(snapshot: RecordT) -> str:
    def records(rows: list[RecordT], indent: str) -> str:
        if not rows:
            return "[]"
        inner = f",\n{indent}  ".join(json.dumps(r, ensure_ascii=False) for r in rows)
        return f"[\n{indent}  {inner}\n{indent}]"

    parts = []
    for key, value in snapshot.items():
        if key in ("sobjects", "tooling"):
            body = ",\n".join(
                f"    {json.dumps(name)}: {records(rows, '    ')}" for name, rows in value.items()
            )
            parts.append(f"  {json.dumps(key)}: {{\n{body}\n  }}")
        else:
            text = json.dumps(value, indent=2, ensure_ascii=False).replace("\n", "\n  ")
            parts.append(f"  {json.dumps(key)}: {text}")
    return "{\n" + ",\n".join(parts) + "\n}\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out-dir", type=Path, default=Path(__file__).resolve().parent)
    args = parser.parse_args(argv)
    org = DemoOrg()
    snapshot = org.snapshot()
    args.out_dir.mkdir(parents=True, exist_ok=True)
    (args.out_dir / "demo.json").write_text(dump_snapshot(snapshot), encoding="utf-8")
    (args.out_dir / "demo.settings.json").write_text(
        json.dumps(org.settings(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    rows = len(snapshot["sobjects"]["LoginHistory"])
    print(f"wrote {args.out_dir / 'demo.json'} ({rows} login rows)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
