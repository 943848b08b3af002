"""What each action code means, as shown in histories ("<who> <label>").

Every app registers the codes it writes, from its ``AppConfig.ready()``:
``audit.actions.register({"claims.claim.created": "created the claim", ...})``. A code nobody
registered is shown as itself.
"""

from __future__ import annotations

from collections.abc import Mapping

_LABELS: dict[str, str] = {}


def register(labels: Mapping[str, str]) -> None:
    """Add an app's action codes and their labels (a code registered twice must keep its
    label: histories already written rely on it)."""
    for code, label in labels.items():
        known = _LABELS.get(code)
        if known is not None and known != label:
            raise ValueError(f"audit action {code!r} is already registered as {known!r}")
        _LABELS[code] = label


def label(code: str) -> str:
    """The label of an action code, or the code itself when none is registered."""
    return _LABELS.get(code, code)


def registered() -> dict[str, str]:
    """Every registered code and its label (a copy)."""
    return dict(_LABELS)
