"""A real Celery worker (in a thread, on the configured broker: the file-system broker in
embedded mode, Redis in services mode) runs tasks enqueued with ``delay_on_commit`` only
once the transaction commits."""

from __future__ import annotations

import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.core.cache import cache
from django.db import transaction

from claims.models import Article
from factcheck.celery_app import app
from factcheck.lib.heartbeat import HEARTBEAT_KEY, heartbeat
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db(transaction=True)


@app.task(name="tests.article_seen_by_worker")
def article_seen_by_worker(marker: str, article_id: int) -> None:
    # Records what the worker saw: the row must be committed and visible to it.
    cache.set(f"seen:{marker}", Article.objects.filter(pk=article_id).exists())


def _wait_for(key: str, timeout: float = 20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = cache.get(key)
        if value is not None:
            return value
        time.sleep(0.05)
    raise AssertionError(f"the worker did not record {key!r} within {timeout} s")


@pytest.fixture
def worker():
    app.control.purge()
    cache.delete_many(["seen:committed", "seen:rolled-back", "seen:sentinel"])
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10) as w:
        yield w


def test_a_task_enqueued_on_commit_runs_after_commit_and_sees_the_row(worker):
    with transaction.atomic():
        article = ArticleFactory()
        article_seen_by_worker.delay_on_commit("committed", article.pk)
    assert _wait_for("seen:committed") is True


def test_a_task_enqueued_in_a_rolled_back_transaction_never_runs(worker):
    class Abort(Exception):
        pass

    with pytest.raises(Abort), transaction.atomic():
        doomed = ArticleFactory()
        article_seen_by_worker.delay_on_commit("rolled-back", doomed.pk)
        raise Abort
    # A later task on the same single-threaded worker proves the queue was drained.
    sentinel = ArticleFactory()
    article_seen_by_worker.delay_on_commit("sentinel", sentinel.pk)
    assert _wait_for("seen:sentinel") is True
    assert cache.get("seen:rolled-back") is None


def test_the_beat_heartbeat_task_is_run_by_the_worker(worker):
    cache.delete(HEARTBEAT_KEY)
    heartbeat.delay()
    beat = _wait_for(HEARTBEAT_KEY)
    assert beat["source"] == "beat"
