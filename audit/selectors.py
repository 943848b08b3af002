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


# Events of one action are written in one transaction, a moment apart.
SAME_ACTION_SECONDS = 5


def _one_action(a: AuditEvent, b: AuditEvent) -> bool:
    return (
        a.actor_id == b.actor_id
        and a.claim_id == b.claim_id
        and a.article_id == b.article_id
        and abs((a.created_at - b.created_at).total_seconds()) <= SAME_ACTION_SECONDS
    )


def _same_change(a: AuditEvent, b: AuditEvent) -> bool:
    return (
        a.action == b.action
        and a.target_type_id == b.target_type_id
        and a.target_id == b.target_id
        and a.changes == b.changes
        and a.message == b.message
    )


def _merged(main: AuditEvent, part: AuditEvent) -> TimelineEntry:
    """``main``'s entry, with the changes of ``part`` it does not already show."""
    changes = dict(main.changes or {})
    for name, value in (part.changes or {}).items():
        changes.setdefault(name, value)
    return TimelineEntry(event=main, label=actions.label(main.action), changes=_changes(changes))


def _main_and_part(a: AuditEvent, b: AuditEvent):
    if actions.is_part_of(b.action, a.action):
        return a, b
    if actions.is_part_of(a.action, b.action):
        return b, a
    return None, None


def timeline(events) -> list[TimelineEntry]:
    """Events (already filtered and ordered by the caller) as timeline entries.

    One entry per action: next to each other, the same change recorded twice is shown once,
    and an event that is a registered part of its neighbour (the claim's status change that
    goes with the verdict's submission, ``actions.register_parts``) within its entry."""
    entries: list[TimelineEntry] = []
    parts: list[AuditEvent | None] = []  # the event merged into each entry, if any
    for event in events:
        last = entries[-1] if entries else None
        if last is not None and _one_action(last.event, event):
            if any(_same_change(seen, event) for seen in (last.event, parts[-1]) if seen):
                continue
            main, part = _main_and_part(last.event, event) if parts[-1] is None else (None, None)
            if main is not None:
                entries[-1], parts[-1] = _merged(main, part), part
                continue
        entries.append(
            TimelineEntry(
                event=event, label=actions.label(event.action), changes=_changes(event.changes)
            )
        )
        parts.append(None)
    return entries


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
