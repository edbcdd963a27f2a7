"""Admin changes to the running org (for demos: show a fix turning a finding into a resolution).

In-process: ``OrgSimulator.set_ip_relaxation(...)`` etc. From another process:
``POST /__orgsim/admin`` with a JSON action, authenticated with a token the simulator issued;
``call_admin`` below does that.
"""

from __future__ import annotations

from typing import Any

import requests

from orgsim.store import AdminError, OrgStore

# action name -> (required arguments, optional arguments)
ACTIONS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "set_ip_relaxation": (("app_full_name", "value"), ()),
    "add_permission_set_assignment": (("assignee_id", "permission_set_id"), ()),
    "add_login_ip_range": (("profile_id", "start", "end"), ("description",)),
    "set_session_setting": (("name", "value"), ()),
}


def apply_admin_action(store: OrgStore, action: Any) -> dict[str, Any]:
    """Apply ``{"action": name, **arguments}``; returns what was created (e.g. a new Id)."""
    if not isinstance(action, dict) or action.get("action") not in ACTIONS:
        raise AdminError(f"'action' must be one of {', '.join(ACTIONS)}")
    name = action["action"]
    required, optional = ACTIONS[name]
    missing = [arg for arg in required if arg not in action]
    unknown = set(action) - {"action", *required, *optional}
    if missing or unknown:
        raise AdminError(
            f"{name}: missing {missing or 'nothing'}, unknown {sorted(unknown) or 'nothing'}"
        )
    args = {k: v for k, v in action.items() if k != "action"}
    if name == "set_ip_relaxation":
        store.set_ip_relaxation(str(args["app_full_name"]), str(args["value"]))
        return {}
    if name == "add_permission_set_assignment":
        return {"id": store.add_permission_set_assignment(**{k: str(v) for k, v in args.items()})}
    if name == "add_login_ip_range":
        return {"id": store.add_login_ip_range(**{k: str(v) for k, v in args.items()})}
    if not isinstance(args["value"], bool):
        raise AdminError("set_session_setting: 'value' must be true or false")
    store.set_session_setting(str(args["name"]), args["value"])
    return {}


def call_admin(
    instance_url: str, access_token: str, ca_bundle: str, action: str, **arguments: Any
) -> dict[str, Any]:
    """Change a simulator running in another process (see ``python -m orgsim``)."""
    resp = requests.post(
        f"{instance_url}/__orgsim/admin",
        json={"action": action, **arguments},
        headers={"Authorization": f"Bearer {access_token}"},
        verify=ca_bundle,  # per request: REQUESTS_CA_BUNDLE would beat Session.verify
        timeout=30,
    )
    body: dict[str, Any] = resp.json()
    if resp.status_code != 200:
        raise AdminError(f"orgsim admin {action} failed ({resp.status_code}): {body}")
    return body
