"""Template helpers of the desk pages."""

from __future__ import annotations

from django import template

from claims.services.audit import ACTION_LABELS

register = template.Library()


@register.filter
def audit_label(event) -> str:
    """What an audit event's action means ("changed a user's role")."""
    return ACTION_LABELS.get(event.action, event.action)


@register.filter
def change(value) -> str:
    """A value of an audit event's ``changes``: ``[before, after]`` reads "before → after"."""
    if isinstance(value, list) and len(value) == 2:
        before, after = (_plain(v) for v in value)
        return f"{before} \u2192 {after}"
    return _plain(value)


def _plain(value) -> str:
    if value is None or value == "":
        return "\u2013"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)
