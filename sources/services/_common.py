"""Helpers the link-health modules share: the log, the editors' permission, audit events,
quiet job sending and stored-URL validation. The log keeps the name it had before the package
(``sources.services``: operators and tests filter on it); audit events go to the claims app's
log, the desk's one history; a job that the broker refuses is logged, never raised, since the
``Link`` rows are the outbox and the sweeper catches up. ``OVERRIDE_PERMISSION`` lives here
because both the overrides and the at-risk digest (sent to editors) need it.
"""

from __future__ import annotations

import logging

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

from factcheck.lib.jobs import send_quietly_on_commit
from sources.models import Link

# The log name predates the package (operators filter on it).
logger = logging.getLogger("sources.services")

OVERRIDE_PERMISSION = "sources.override_link"


def _audit(*, action: str, link: Link, actor, changes: dict, message: str = "", claim=None):
    """Write an audit event in the claims app's log (the desk's one history)."""
    from audit.services import audit_record

    return audit_record(
        actor=actor, action=action, claim=claim, target=link, changes=changes, message=message
    )


def _enqueue_on_commit(name: str, *args) -> None:
    from sources import tasks

    send_quietly_on_commit(getattr(tasks, name), args, logger=logger, what=f"{name}{args!r}")


_URL = URLValidator(schemes=["http", "https"])


def _storable_url(url: str, max_length: int = 2000) -> str:
    if not url or len(url) > max_length:
        return ""
    try:
        _URL(url)
    except ValidationError:
        return ""
    return url
