"""Helpers the link-health modules share: the log, the editors' permission, audit events,
quiet job sending and stored-URL validation. The log keeps the name it had before the package
(``sources.services``: operators and tests filter on it); audit events go to the claims app's
log, the desk's one history; a job that the broker refuses is logged, never raised, since the
``Link`` rows are the outbox and the sweeper catches up. ``OVERRIDE_PERMISSION`` lives here
because both the overrides and the at-risk digest (sent to editors) need it.
"""

from __future__ import annotations

import logging
from functools import partial

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction

from sources.models import Link

# The log name predates the package (operators filter on it).
logger = logging.getLogger("sources.services")

OVERRIDE_PERMISSION = "sources.override_link"


def _audit(*, action: str, link: Link, actor, changes: dict, message: str = "", claim=None):
    """Write an audit event in the claims app's log (the desk's one history)."""
    from claims.services.audit import audit_record

    return audit_record(
        actor=actor, action=action, claim=claim, target=link, changes=changes, message=message
    )


def _send_task_quietly(name: str, *args) -> None:
    from sources import tasks

    try:
        getattr(tasks, name).apply_async(
            args=list(args), retry=True, retry_policy={"max_retries": 2, "interval_step": 0.2}
        )
    except Exception as exc:
        logger.warning("could not enqueue %s%r: %s: %s", name, args, type(exc).__name__, exc)


def _enqueue_on_commit(name: str, *args) -> None:
    transaction.on_commit(partial(_send_task_quietly, name, *args), robust=True)


_URL = URLValidator(schemes=["http", "https"])


def _storable_url(url: str, max_length: int = 2000) -> str:
    if not url or len(url) > max_length:
        return ""
    try:
        _URL(url)
    except ValidationError:
        return ""
    return url
