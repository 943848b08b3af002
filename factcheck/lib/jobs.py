"""Sending a background job from a service without letting a broker outage fail the service.

For jobs whose loss costs little or is repaired elsewhere (a page rendered later by its
first reader, an e-mail, an archive look-up the sweeper repeats): the send is retried
briefly, then logged, never raised.
"""

from __future__ import annotations

import logging
from functools import partial

from django.db import transaction


def send_quietly(task, args, *, logger: logging.Logger, what: str, max_retries: int = 2) -> bool:
    """``task.apply_async(args)``; on failure log "could not enqueue <what>" and return False."""
    try:
        task.apply_async(
            args=list(args),
            retry=True,
            retry_policy={"max_retries": max_retries, "interval_step": 0.2},
        )
    except Exception as exc:
        logger.warning("could not enqueue %s: %s: %s", what, type(exc).__name__, exc)
        return False
    return True


def send_quietly_on_commit(task, args, **options) -> None:
    """:func:`send_quietly` once the current transaction commits."""
    transaction.on_commit(partial(send_quietly, task, args, **options), robust=True)
