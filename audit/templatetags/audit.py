"""Template helpers for histories: ``{% load audit %}``."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext

from audit import actions

register = template.Library()


@register.filter
def audit_label(event) -> str:
    """What an audit event's action means ("changed a user's role")."""
    return actions.label(event.action)


@register.filter
def person(user, default: str | None = None) -> str:
    """A user as the desk sees them: the username, marked when the account is deactivated
    (their work stays attributed to them)."""
    if user is None:
        return gettext("someone") if default is None else default
    name = user.get_username()
    return name if user.is_active else gettext("%(name)s (deactivated)") % {"name": name}


@register.filter
def audit_value(value):
    """A value from an audit event's ``changes``, as shown in the timeline."""
    if value is None or value == "":
        return "\u2013"
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "\u2013"
    text = str(value)
    return text if len(text) <= 160 else f"{text[:157]}…"
