"""What each action code means, as shown in histories ("<who> <label>").

Every app registers the codes it writes, from its ``AppConfig.ready()``:
``audit.actions.register({"claims.claim.created": "created the claim", ...})``. A code nobody
registered is shown in words made from the code (``tests/audit/test_labels.py`` makes sure
every code the apps write has a label).

One action of a person may write several events: submitting a claim for approval records the
verdict's change (``claims.verdict.submitted``) and the claim's (``claims.claim.submitted``).
An app declares such a companion with :func:`register_parts`; a timeline shows the two as
one entry (``audit.selectors.timeline``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

_LABELS: dict[str, str] = {}
_PART_OF: dict[str, frozenset[str]] = {}


def register(labels: Mapping[str, str]) -> None:
    """Add an app's action codes and their labels (a code registered twice must keep its
    label: histories already written rely on it)."""
    for code, label in labels.items():
        known = _LABELS.get(code)
        if known is not None and known != label:
            raise ValueError(f"audit action {code!r} is already registered as {known!r}")
        _LABELS[code] = label


def register_parts(parts: Mapping[str, str | Iterable[str]]) -> None:
    """``{part: main}`` (or ``{part: (main, ...)}``): an event ``part`` written by the same
    person in the same action as an event ``main`` is shown within ``main``'s entry."""
    for part, main in parts.items():
        mains = frozenset([main] if isinstance(main, str) else main)
        _PART_OF[part] = _PART_OF.get(part, frozenset()) | mains


def is_part_of(part: str, main: str) -> bool:
    return main in _PART_OF.get(part, ())


def label(code: str) -> str:
    """The label of an action code; words made from the code when none is registered
    (``claims.article.details_changed`` -> "details changed (article)")."""
    known = _LABELS.get(code)
    if known is not None:
        return str(known)  # a lazy translation (the apps' labels), in the active language
    *_, thing, what = ["", "", *code.split(".")]
    words = what.replace("_", " ").strip() or code
    return f"{words} ({thing.replace('_', ' ')})" if thing else words


def registered() -> dict[str, str]:
    """Every registered code and its label (a copy, in the active language)."""
    return {code: str(text) for code, text in _LABELS.items()}
