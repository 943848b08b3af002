"""Optimistic locking under real concurrency: 16 reviewers save the same verdict from the
same version at once, each on its own database connection. Exactly one wins; the others get
a conflict; the history holds one edit. PostgreSQL only (SQLite serialises writers)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from audit.models import AuditEvent
from claims import services
from claims.models import Verdict
from factcheck.lib.versions import NO_VERSION_CHECK
from tests.factories import ClaimFactory, rating_level

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

WRITERS = 16


def test_sixteen_concurrent_edits_of_one_verdict_version_one_succeeds(reviewer):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL): SQLite runs one writer at a time")
    claim = ClaimFactory()
    verdict = services.verdict_save(
        claim=claim,
        user=reviewer,
        rating=rating_level("false"),
        summary="v1",
        rationale="r",
        version=NO_VERSION_CHECK,
    )
    start = threading.Barrier(WRITERS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def edit(n: int) -> None:
        from django.db import connections

        try:
            start.wait(timeout=30)
            services.verdict_save(
                claim=claim,
                user=reviewer,
                rating=rating_level("mostly-false"),
                summary=f"edit {n}",
                rationale="r",
                version=verdict.version,
            )
            result = "ok"
        except services.ConflictError:
            result = "conflict"
        except Exception as exc:  # pragma: no cover - reported by the assertion below
            result = f"error: {type(exc).__name__}: {exc}"
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=edit, args=(n,)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["conflict"] * (WRITERS - 1) + ["ok"], outcomes
    verdict.refresh_from_db()
    assert verdict.version == 2 and verdict.summary.startswith("edit ")
    assert AuditEvent.objects.filter(action="claims.verdict.edited").count() == 1
    assert Verdict.objects.filter(claim=claim).count() == 1
