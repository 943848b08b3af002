"""Writing the audit log: every state change in every app goes through ``audit_record``."""

from __future__ import annotations

from datetime import date, datetime

from django.contrib.contenttypes.models import ContentType
from django.db import models

from audit.models import AuditEvent

__all__ = ["audit_record", "audit_record_many", "diff", "plain"]

_FOREIGN_KEYS = ["actor", "target_type"]


def plain(value):
    """A JSON-friendly form of a field value. Users become their username; a model row
    becomes what its ``audit_value`` attribute says (a rating level: its label), else its
    primary key."""
    if hasattr(value, "get_username"):
        return value.get_username()
    if isinstance(value, models.Model):
        shown = getattr(value, "audit_value", None)
        return shown if shown is not None else value.pk
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def diff(before: dict, after: dict) -> dict:
    """``{field: [before, after]}`` for the fields whose value changed."""
    return {
        name: [plain(before.get(name)), plain(after.get(name))]
        for name in after
        if plain(before.get(name)) != plain(after.get(name))
    }


def audit_event(
    *,
    actor,
    action: str,
    claim=None,
    article=None,
    target: models.Model | None = None,
    changes: dict | None = None,
    message: str = "",
) -> AuditEvent:
    """An unsaved, validated event. ``claim`` and ``article`` are the rows whose timelines
    show it (any object with a ``pk``; a claim's article is taken from its ``article_id``)."""
    article_id = article.pk if article is not None else getattr(claim, "article_id", None)
    event = AuditEvent(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        claim_id=claim.pk if claim is not None else None,
        article_id=article_id,
        target_type=ContentType.objects.get_for_model(target) if target is not None else None,
        target_id=target.pk if target is not None else None,
        changes={key: plain(value) for key, value in (changes or {}).items()},
        message=message,
    )
    # The related rows exist (the database checks the keys): skip a query per foreign key.
    event.full_clean(exclude=_FOREIGN_KEYS)
    return event


def audit_record(**kwargs) -> AuditEvent:
    """Write one event (inside the caller's transaction: it commits or rolls back with it).
    Takes the keyword arguments of :func:`audit_event`."""
    event = audit_event(**kwargs)
    event.save()
    return event


def audit_record_many(events: list[AuditEvent]) -> None:
    """Bulk actions (bulk assign) write their events in one statement."""
    for event in events:
        event.full_clean(exclude=_FOREIGN_KEYS)
    AuditEvent.objects.bulk_create(events)
