"""Snapshots for evidence that has none: links cited as evidence before snapshots existed,
or whose pending row was lost. ``evidence_add`` asks for a snapshot itself; this sweep
(``claims.evidence_snapshots_sweep``, beat) catches the rest, a batch at a time."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from audit.services import audit_record
from claims.models import CitedLink
from claims.services.common import REVIEW_PERMISSION, require
from sources.models import Link
from sources.services.snapshots import snapshot_request

__all__ = ["cited_link_snapshot_request", "evidence_snapshots_request"]


def evidence_snapshots_request(*, limit: int = 200) -> int:
    """Ask for a snapshot of up to ``limit`` links cited as evidence that have none (not
    even a pending or failed one). Returns how many were asked for."""
    links = list(
        Link.objects.filter(evidence__isnull=False, snapshots__isnull=True)
        .distinct()
        .order_by("pk")[:limit]
    )
    with transaction.atomic():
        for link in links:
            snapshot_request(link=link)
    return len(links)


@transaction.atomic
def cited_link_snapshot_request(*, cited: CitedLink, user) -> None:
    """A reviewer asks to keep what a link the article cites says now (before it is evidence,
    or again): a snapshot as evidence gets one, audited on the article."""
    require(user, REVIEW_PERMISSION, _("You may not keep snapshots of cited pages."))
    snapshot_request(link=cited.link)
    audit_record(
        actor=user,
        action="claims.cited_link.snapshot_requested",
        article=cited.article,
        target=cited.link,
        changes={"url": cited.link.url},
    )
