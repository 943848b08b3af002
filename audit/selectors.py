"""Reading the audit log as timelines."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db import models

from audit import actions
from audit.models import AuditEvent


@dataclass
class TimelineEntry:
    """One line of a history: the event, what its action means, and its changes as
    ``(name, before, after)`` rows (``before`` is None for a value that is not a change).
    ``link`` is an optional ``(url, text)`` the page adds (the user an event is about)."""

    event: AuditEvent
    label: str
    changes: list[tuple[str, object, object]]
    link: tuple[str, str] | None = None


def _changes(changes: dict) -> list[tuple[str, object, object]]:
    rows = []
    for name, value in (changes or {}).items():
        if isinstance(value, list) and len(value) == 2:
            rows.append((name.replace("_", " "), value[0], value[1]))
        else:
            rows.append((name.replace("_", " "), None, value))
    return rows


def timeline(events) -> list[TimelineEntry]:
    """Events (already filtered and ordered by the caller) as timeline entries."""
    return [
        TimelineEntry(
            event=event, label=actions.label(event.action), changes=_changes(event.changes)
        )
        for event in events
    ]


def events_about(*, user, target: models.Model) -> models.QuerySet[AuditEvent]:
    """The events whose target is ``target`` (visible to ``user``), newest first."""
    return (
        AuditEvent.objects.visible_to(user)
        .filter(target_type=ContentType.objects.get_for_model(target), target_id=target.pk)
        .select_related("actor")
        .order_by("-created_at", "-id")
    )


def history_of(*, user, target: models.Model, limit: int = 50) -> list[TimelineEntry]:
    """A row's history (the changes made to it), newest first."""
    return timeline(events_about(user=user, target=target)[:limit])


def last_change(*, target: models.Model) -> tuple[str, object]:
    """Who changed ``target`` last and when (local time), from its newest event: what an
    edit conflict tells the user (``("", None)`` when nothing is recorded)."""
    from django.utils import timezone

    event = (
        AuditEvent.objects.filter(
            target_type=ContentType.objects.get_for_model(target), target_id=target.pk
        )
        .select_related("actor")
        .order_by("-created_at", "-id")
        .first()
    )
    if event is None:
        return "", None
    by = event.actor.get_username() if event.actor is not None else ""
    return by, timezone.localtime(event.created_at)
