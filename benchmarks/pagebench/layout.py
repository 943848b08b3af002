"""Everything the pages benchmark takes from where the project keeps its apps.

# LAYOUT: the audit log and the reader site are moving out of ``claims``: ``AuditEvent`` into
# the ``audit`` app (table ``audit_auditevent``; ``claim_id`` and ``article_id`` become plain
# nullable integer columns of the same names) and the public pages' code into ``reader``
# (``reader.selectors`` -> ``reader.selectors``, URL namespace ``reader:``). This module
# is the one place of the benchmark that names those modules and tables: adjust it, and only
# it, if the move lands differently. The benchmark requests the pages by path (``/claims/<key>/``,
# ``/``), never by URL name, so the ``reader:`` namespace does not concern it.
"""

from __future__ import annotations

from collections.abc import Callable

# LAYOUT: the audit log's table (the data line's count of audit events).
AUDIT_EVENT_TABLE = "audit_auditevent"

# LAYOUT: the management command that prerenders every published reader page.
WARM_READER_CACHE_COMMAND = "warm_reader_cache"


def audit_event_model():
    """The audit log's model, written with ``COPY`` by the seeder."""
    # LAYOUT: was claims.models.AuditEvent.
    from audit.models import AuditEvent

    return AuditEvent


def topic_model():
    """The reader site's topics (``ImportError`` while the project has none)."""
    # LAYOUT: still claims.models.Topic; change here if the model moves to ``reader``.
    from claims.models import Topic

    return Topic


def reader_claim_key() -> Callable | None:
    """The reader site's key of a claim in ``/claims/<key>/`` (``<number>-<words>``); None
    when the project has no reader site (the benchmark then requests ``/claims/<id>/``)."""
    try:
        from reader.selectors import claim_key
    except ImportError:
        return None
    return claim_key
