"""Snapshots of cited pages (``Snapshot``): requested when a link is cited as evidence,
taken by a job, sent again by a sweep when the job was lost, their files pruned after the
retention period (each link's newest kept).

- :func:`snapshot_request` creates the pending row in the caller's transaction (the row is
  the outbox) and sends the job once it commits; a broker outage is logged, never raised.
- :func:`snapshot_take` claims the row (a conditional UPDATE, so a job run twice fetches
  once), captures the page (``sources.snapshot_content``), writes the gzipped body and the
  WARC file to the snapshot storage and fills the row in. A fetch that fails is a result
  (state ``failed``, the error kept); a storage that cannot be written is not: the row stays
  pending with the error and is tried again later, up to ``FACTCHECK_SNAPSHOT_MAX_ATTEMPTS``.
- :func:`snapshots_sweep` (beat) sends the pending rows that are due again.
- :func:`snapshots_prune` (beat, daily) deletes old snapshots' files.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.db.models import F, Q
from django.utils import timezone

from factcheck.lib.jobs import send_quietly, send_quietly_on_commit
from sources import snapshot_content as content
from sources.fetching import FetchConfig
from sources.models import Link, Snapshot

logger = logging.getLogger("sources.snapshots")

__all__ = [
    "snapshot_request",
    "snapshot_storage",
    "snapshot_take",
    "snapshots_prune",
    "snapshots_sweep",
]

# A job holds its row this long; a worker killed mid-fetch only delays the snapshot.
LEASE_SECONDS = 600


def snapshot_storage() -> Storage:
    """The storage named by ``FACTCHECK_SNAPSHOT_STORAGE`` in ``STORAGES``, or a
    FileSystemStorage under ``FACTCHECK_SNAPSHOT_DIR`` when no such alias is configured."""
    alias = settings.FACTCHECK_SNAPSHOT_STORAGE
    if alias in settings.STORAGES:
        return storages[alias]
    return FileSystemStorage(location=str(settings.FACTCHECK_SNAPSHOT_DIR))


def _send(snapshot_ids: list[int], *, on_commit: bool) -> None:
    from sources.snapshot_tasks import snapshot_take as task

    for pk in snapshot_ids:
        if on_commit:
            send_quietly_on_commit(task, [pk], logger=logger, what=f"snapshot {pk}")
        else:
            send_quietly(task, [pk], logger=logger, what=f"snapshot {pk}")


def _send_archive_save(link_ids: list[int], *, on_commit: bool) -> None:
    from sources.tasks import link_archive_save as task

    send = send_quietly_on_commit if on_commit else send_quietly
    for pk in link_ids:
        send(task, [pk], logger=logger, what=f"the archive save of link {pk}")


def snapshot_request(*, link: Link, now: datetime | None = None) -> Snapshot:
    """A snapshot of ``link`` is wanted: a pending row (unless one is already pending) and
    its job sent once the current transaction commits."""
    now = now or timezone.now()
    # Off (the test settings): the rows wait for the sweep, so no worker of another test
    # fetches a test's addresses (as FACTCHECK_LINK_CHECK_NEW_LINKS for link checks).
    send = settings.FACTCHECK_SNAPSHOT_ON_CITE
    if send and settings.FACTCHECK_ARCHIVE_SAVE_URL and link.archive_saved_at is None:
        # The archive keeps a public copy too (once per link; the sweep repeats a lost one).
        _send_archive_save([link.pk], on_commit=True)
    pending = Snapshot.objects.filter(link=link, state=Snapshot.State.PENDING).first()
    if pending is not None:
        return pending
    snapshot = Snapshot.objects.create(
        link=link,
        url=link.url,
        requested_at=now,
        # The sweep's fallback, should the job be lost before it claims the row.
        next_attempt_at=now + timedelta(seconds=settings.FACTCHECK_SNAPSHOT_RETRY_SECONDS),
    )
    if send:
        _send([snapshot.pk], on_commit=True)
    return snapshot


def _claim(snapshot_id: int, now: datetime) -> bool:
    lease_over = now - timedelta(seconds=LEASE_SECONDS)
    return bool(
        Snapshot.objects.filter(pk=snapshot_id, state=Snapshot.State.PENDING)
        .filter(Q(taking_since__isnull=True) | Q(taking_since__lt=lease_over))
        .update(taking_since=now, attempts=F("attempts") + 1, updated_at=now)
    )


def _names(snapshot: Snapshot, when: datetime) -> tuple[str, str]:
    base = f"{when:%Y/%m/%d}/link-{snapshot.link_id}/snapshot-{snapshot.pk}"
    return f"{base}.body.gz", f"{base}.warc.gz"


def snapshot_take(*, snapshot_id: int, now: datetime | None = None) -> Snapshot | None:
    """Take a pending snapshot (see the module). Returns the row, or ``None`` when another
    job holds it or it is no longer pending."""
    now = now or timezone.now()
    if not _claim(snapshot_id, now):
        return None
    snapshot = Snapshot.objects.get(pk=snapshot_id)
    config = FetchConfig.from_settings()
    try:
        cap = content.capture(
            snapshot.url, max_bytes=settings.FACTCHECK_SNAPSHOT_MAX_BYTES, config=config
        )
    except content.CaptureError as exc:
        return _finish_failed(snapshot, exc, timezone.now())
    fetched_at = timezone.now()
    kind = content.kind_of(cap)
    text = content.main_text(cap, kind)
    ok = 200 <= cap.status < 300
    facts = {
        # An error page is kept too (what the link showed), but as a failed snapshot.
        "state": Snapshot.State.DONE if ok else Snapshot.State.FAILED,
        "fetched_at": fetched_at,
        "final_url": cap.final_url[:2000],
        "status_code": cap.status,
        "content_type": cap.content_type[:200],
        "last_modified": cap.header("last-modified")[:100],
        "etag": cap.header("etag")[:300],
        "kind": kind,
        "text": text,
        "content_hash": content.text_hash(text),
        "truncated": cap.truncated,
        "error": "" if ok else f"HTTP {cap.status}",
    }
    if kind == Snapshot.Kind.OTHER:
        # Binary types other than PDF: the facts only, no body, no file.
        facts["body_size"] = 0
        return _finish(snapshot, facts)
    body_name, warc_name = _names(snapshot, fetched_at)
    storage = snapshot_storage()
    try:
        warc = content.warc_bytes(
            cap,
            fetched_at=fetched_at,
            metadata={
                "requested-url": snapshot.url,
                "kind": kind,
                "truncated": "yes" if cap.truncated else "no",
                "text-sha256": facts["content_hash"],
                "snapshot": str(snapshot.pk),
            },
        )
        body_name = storage.save(body_name, ContentFile(content.gzipped(cap.body)))
        warc_name = storage.save(warc_name, ContentFile(warc))
    except Exception as exc:  # any storage failure: full disk, S3 away, permissions
        logger.warning("snapshot %s: storage failed: %s: %s", snapshot.pk, type(exc).__name__, exc)
        return _storage_failed(snapshot, exc, timezone.now())
    facts.update(body_size=len(cap.body), body_name=body_name, warc_name=warc_name)
    return _finish(snapshot, facts)


def _finish(snapshot: Snapshot, facts: dict) -> Snapshot:
    for name, value in facts.items():
        setattr(snapshot, name, value)
    snapshot.taking_since = None
    snapshot.next_attempt_at = None
    snapshot.save()
    return snapshot


def _finish_failed(snapshot: Snapshot, exc: content.CaptureError, now: datetime) -> Snapshot:
    return _finish(
        snapshot,
        {
            "state": Snapshot.State.FAILED,
            "fetched_at": now,
            "status_code": exc.status,
            "error": str(exc)[:2000],
        },
    )


def _storage_failed(snapshot: Snapshot, exc: Exception, now: datetime) -> Snapshot:
    """The page was fetched but could not be stored: pending again, tried later (backoff),
    until the attempts run out (then failed, with the error)."""
    message = f"storage: {type(exc).__name__}: {exc}"[:2000]
    if snapshot.attempts >= settings.FACTCHECK_SNAPSHOT_MAX_ATTEMPTS:
        return _finish(
            snapshot, {"state": Snapshot.State.FAILED, "fetched_at": now, "error": message}
        )
    delay = settings.FACTCHECK_SNAPSHOT_RETRY_SECONDS * 2 ** max(0, snapshot.attempts - 1)
    Snapshot.objects.filter(pk=snapshot.pk).update(
        taking_since=None,
        error=message,
        next_attempt_at=now + timedelta(seconds=delay),
        updated_at=now,
    )
    snapshot.refresh_from_db()
    return snapshot


def snapshots_sweep(*, now: datetime | None = None, limit: int = 500) -> int:
    """Send again the pending snapshots that are due (their job was lost, or storage
    failed) and not held by a job. Returns how many were sent."""
    now = now or timezone.now()
    lease_over = now - timedelta(seconds=LEASE_SECONDS)
    ids = list(
        Snapshot.objects.filter(state=Snapshot.State.PENDING, next_attempt_at__lte=now)
        .filter(Q(taking_since__isnull=True) | Q(taking_since__lt=lease_over))
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    if ids:
        # Not sent again before the retry delay, should this send be lost too.
        Snapshot.objects.filter(pk__in=ids).update(
            next_attempt_at=now + timedelta(seconds=settings.FACTCHECK_SNAPSHOT_RETRY_SECONDS)
        )
        # The rows are committed already (made by an earlier transaction): send now.
        _send(ids, on_commit=False)
    if settings.FACTCHECK_ARCHIVE_SAVE_URL:
        # Cited pages (they have snapshots) the archive was never asked to save: the send
        # was lost. Asked at most once a retry delay after the snapshot was requested.
        unsaved = list(
            Link.objects.filter(
                archive_saved_at__isnull=True,
                snapshots__requested_at__lte=now
                - timedelta(seconds=settings.FACTCHECK_SNAPSHOT_RETRY_SECONDS),
            )
            .distinct()
            .values_list("pk", flat=True)[:limit]
        )
        _send_archive_save(unsaved, on_commit=False)
    return len(ids)


def snapshots_prune(*, now: datetime | None = None) -> int:
    """Delete the files of snapshots older than ``FACTCHECK_SNAPSHOT_RETENTION_DAYS``, except
    each link's newest taken snapshot; the rows (facts and text) stay. Returns how many."""
    days = settings.FACTCHECK_SNAPSHOT_RETENTION_DAYS
    if days <= 0:
        return 0
    now = now or timezone.now()
    cutoff = now - timedelta(days=days)
    storage = snapshot_storage()
    old = (
        Snapshot.objects.filter(fetched_at__lt=cutoff, files_deleted_at__isnull=True)
        .exclude(body_name="", warc_name="")
        .order_by("link_id", "-fetched_at")
    )
    newest: dict[int, int] = {}
    for link_id, pk in (
        Snapshot.objects.filter(state=Snapshot.State.DONE, link__in=old.values("link_id"))
        .order_by("link_id", "-fetched_at", "-pk")
        .values_list("link_id", "pk")
    ):
        newest.setdefault(link_id, pk)
    pruned = 0
    for snapshot in old.exclude(pk__in=list(newest.values())).iterator():
        for name in (snapshot.body_name, snapshot.warc_name):
            if name:
                storage.delete(name)
        Snapshot.objects.filter(pk=snapshot.pk).update(
            body_name="", warc_name="", files_deleted_at=now, updated_at=now
        )
        pruned += 1
    return pruned
