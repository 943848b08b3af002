"""The archive look-up: for a link that turned failing or dead, the archive
(``FACTCHECK_ARCHIVE_API_URL``, a Wayback-style availability API) is asked, through the
guarded fetcher, for the closest snapshot; its URL is stored on the link, audited, and the
reader pages showing the link are refreshed. An archive that cannot be asked, or answers
nonsense, is logged and the look-up recorded as done.
"""

from __future__ import annotations

import json
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from sources.fetching import FetchConfig, FetchError, fetch_document
from sources.models import Link
from sources.services._common import _audit, _storable_url, logger
from sources.services.risk import _at_risk, _links_changed

__all__ = ["link_archive_lookup", "link_archive_save"]

ARCHIVE_MAX_BYTES = 65536


def _archive_query_url(api_url: str, url: str) -> str:
    parts = urlsplit(api_url)
    query = f"{parts.query}&" if parts.query else ""
    return parts._replace(query=query + urlencode({"url": url})).geturl()


def link_archive_lookup(*, link_id: int, config: FetchConfig | None = None) -> str:
    """Ask the archive (``FACTCHECK_ARCHIVE_API_URL``, a Wayback-style availability API) for
    the closest snapshot of the link and store its URL. Goes through the guarded fetcher.
    Returns the archive URL ("" when there is none or the archive could not be asked)."""
    api_url = settings.FACTCHECK_ARCHIVE_API_URL
    link = Link.objects.filter(pk=link_id).first()
    if not api_url or link is None:
        return ""
    now = timezone.now()
    snapshot = ""
    try:
        document = fetch_document(
            _archive_query_url(api_url, link.url),
            max_bytes=ARCHIVE_MAX_BYTES,
            config=config,
            detect_soft_404_pages=False,
        )
        data = json.loads(document.body.decode(document.charset or "utf-8", errors="replace"))
        closest = (data.get("archived_snapshots") or {}).get("closest") or {}
        if closest.get("available") in (True, "true") and isinstance(closest.get("url"), str):
            snapshot = _storable_url(closest["url"].strip())
    except FetchError as exc:
        logger.warning("archive look-up for %s failed: %s", link.url, exc)
    except (ValueError, AttributeError) as exc:
        logger.warning("archive look-up for %s: unreadable answer: %s", link.url, exc)
    _record(link_id, asked="archive_checked_at", at=now, copy=snapshot,
            action="sources.link.archived_copy_found")  # fmt: skip
    return snapshot


def _record(link_id: int, *, asked: str, at, copy: str, action: str, once: bool = False) -> bool:
    """Under the link's row lock: when the archive was ``asked`` (a field), and the copy it
    gave (audited; the archived copy shows next to dead evidence on published pages).
    ``once``: nothing when it was asked already (another run); returns whether recorded."""
    with transaction.atomic():
        link = Link.objects.select_for_update().get(pk=link_id)
        if once and getattr(link, asked) is not None:
            return False
        setattr(link, asked, at)
        fields = [asked, "updated_at"]
        if copy:
            link.archive_url = copy
            fields.append("archive_url")
        link.save(update_fields=fields)
        if copy:
            _audit(action=action, link=link, actor=None, changes={"archive_url": copy})
            _links_changed(link, was_at_risk=_at_risk(link))
    return True


def link_archive_save(*, link_id: int, config: FetchConfig | None = None) -> str:
    """Ask a Wayback-compatible "save page now" endpoint (``FACTCHECK_ARCHIVE_SAVE_URL``, the
    page's address appended: ``https://web.archive.org/save/``) to archive the link's page,
    once per link, through the guarded fetcher; the address it redirects to (the new copy)
    becomes the link's archived copy. Returns it ("" when off, done before, or the archive
    could not be asked: logged, and recorded as asked)."""
    save_url = settings.FACTCHECK_ARCHIVE_SAVE_URL
    link = Link.objects.filter(pk=link_id, archive_saved_at__isnull=True).first()
    if not save_url or link is None:
        return ""
    now = timezone.now()
    copy = ""
    try:
        document = fetch_document(
            save_url + link.url,
            max_bytes=ARCHIVE_MAX_BYTES,
            config=config,
            detect_soft_404_pages=False,
        )
        # The archive answers with (or redirects to) the new copy's address.
        if document.status < 400 and document.final_url != save_url + link.url:
            copy = _storable_url(document.final_url.strip())
    except FetchError as exc:
        logger.warning("archive save for %s failed: %s", link.url, exc)
    recorded = _record(
        link_id,
        asked="archive_saved_at",
        at=now,
        copy=copy,
        action="sources.link.archived",
        once=True,
    )
    return copy if recorded else ""
