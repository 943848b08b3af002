"""Job queues: every job is routed by name to a declared queue, and a worker listening only
on the ingestion queue ingests an article while link checks pile up on theirs (a real worker
on the configured broker: the file-system broker in embedded mode, Redis in services mode)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings

from claims.models import IngestJob
from claims.tasks import article_fetch_and_ingest
from factcheck.celery_app import app
from sources.tasks import link_check_batch
from tests.factories import IngestJobFactory

ROOT = Path(__file__).resolve().parents[2]
PROJECT_PREFIXES = ("factcheck.", "audit.", "sources.", "claims.", "reader.", "desk.", "api.")


def _project_tasks() -> list[str]:
    app.loader.import_default_modules()
    return sorted(name for name in app.tasks if name.startswith(PROJECT_PREFIXES))


def test_the_queues_are_declared_from_the_settings():
    declared = set(app.amqp.queues)
    assert declared == set(settings.FACTCHECK_QUEUES)
    assert {"default", "links", "ingest", "prerender", "mail"} <= declared
    assert app.conf.task_default_queue == settings.FACTCHECK_QUEUE_DEFAULT
    assert app.conf.task_create_missing_queues is False


def test_every_project_job_is_routed_by_name_to_a_declared_queue():
    names = _project_tasks()
    # The jobs of every app are found (a broken autodiscovery would make this test vacuous).
    assert {
        "sources.link_check_batch",
        "claims.article_fetch_and_ingest",
        "reader.pages_prerender",
        "claims.note_mentions_notify",
        "factcheck.heartbeat",
    } <= set(names)
    unrouted = [name for name in names if name not in settings.CELERY_TASK_ROUTES]
    assert unrouted == [], f"jobs without a route in CELERY_TASK_ROUTES: {unrouted}"
    for name in names:
        queue = app.amqp.router.route({}, name)["queue"].name
        assert queue in settings.FACTCHECK_QUEUES, f"{name} goes to undeclared queue {queue}"
    # Routes name no job that does not exist (a renamed job keeps its queue).
    assert set(settings.CELERY_TASK_ROUTES) <= set(names)


def test_kinds_of_work_get_their_own_queues():
    def queue_of(name):
        return app.amqp.router.route({}, name)["queue"].name

    assert queue_of("sources.link_check_batch") == "links"
    assert queue_of("claims.article_fetch_and_ingest") == "ingest"
    assert queue_of("reader.pages_prerender") == "prerender"
    assert queue_of("claims.note_mentions_notify") == "mail"
    assert queue_of("claims.evidence_at_risk_digest") == "mail"
    assert queue_of("factcheck.heartbeat") == "default"
    # Anything not routed (a test's own job) lands on the declared default queue.
    assert queue_of("tests.some_job") == "default"


def test_make_run_starts_one_worker_on_every_queue():
    lines = dict(
        line.split(":", 1) for line in (ROOT / "Procfile").read_text().splitlines() if line
    )
    worker = lines["worker"]
    assert "celery -A factcheck worker" in worker
    # Without -Q a worker consumes every queue in CELERY_TASK_QUEUES.
    assert " -Q" not in worker and "--queues" not in worker


def test_the_operations_manual_gives_a_worker_command_per_queue():
    manual = (ROOT / "docs" / "operations.md").read_text()
    for queue in settings.FACTCHECK_QUEUES:
        assert f"-Q {queue}" in manual, f"no worker command line for queue {queue}"


@pytest.mark.django_db(transaction=True)
def test_an_ingestion_runs_on_its_own_worker_while_link_checks_are_backed_up():
    app.control.purge()
    try:
        # A backlog of link checks nobody is consuming.
        for _ in range(200):
            link_check_batch.delay([])
        job = IngestJobFactory(
            text="The council spent 4 million on roads in 2023. It rained.",
            text_format="text",
            title="Roads",
        )
        with start_worker(
            app,
            pool="solo",
            perform_ping_check=False,
            shutdown_timeout=10,
            queues=[settings.FACTCHECK_QUEUE_INGEST],
        ):
            article_fetch_and_ingest.delay(job.pk)
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                job.refresh_from_db()
                if job.is_finished:
                    break
                time.sleep(0.1)
        assert job.state == IngestJob.State.DONE, (job.state, job.error)
        assert job.article is not None and job.article.title == "Roads"
        # The link checks were never touched: still all waiting on their queue.
        with app.connection_for_read() as conn:
            waiting = conn.default_channel.queue_declare(
                queue=settings.FACTCHECK_QUEUE_LINKS, passive=True
            ).message_count
        assert waiting == 200
    finally:
        # `queues=` selected the ingestion queue on the app itself: later workers in this
        # process consume every queue again.
        app.amqp.queues.select(list(settings.FACTCHECK_QUEUES))
        app.control.purge()


# --- RabbitMQ: BROKER_URL=amqp://... ----------------------------------------------------------

AMQP_URL = "amqp://guest:guest@127.0.0.1:5672//"

_AMQP_RUN = """
import sys, time, uuid
import django
django.setup()
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from kombu import Exchange, Queue
from factcheck.celery_app import app
from factcheck.lib.heartbeat import heartbeat, heartbeat_last

assert settings.CELERY_BROKER_URL.startswith("amqp://"), settings.CELERY_BROKER_URL
assert settings.CELERY_BROKER_TRANSPORT_OPTIONS == {}, settings.CELERY_BROKER_TRANSPORT_OPTIONS
# A queue of this run's own: the RabbitMQ server may be shared.
name = f"factcheck-test-{uuid.uuid4().hex}"
queue = Queue(name, Exchange(name), routing_key=name, auto_delete=True)
app.conf.task_queues = (*app.conf.task_queues, queue)
ran = False
# An amqp worker takes about 10 s to stop (its last wait for messages).
with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30, queues=[name]):
    assert app.connection().transport.driver_type == "amqp"
    heartbeat.apply_async(queue=queue)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not ran:
        beat = heartbeat_last()
        ran = bool(beat and beat["source"] == "beat")
        time.sleep(0.05)
if not ran:
    sys.exit("the worker on amqp did not run the job")
print("ran on", app.connection().as_uri())
"""


def _rabbitmq_reachable() -> bool:
    import socket

    try:
        with socket.create_connection(("127.0.0.1", 5672), timeout=1):
            return True
    except OSError:
        return False


def test_broker_url_selects_the_broker_whatever_the_cache():
    import os
    import subprocess
    import sys

    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.CELERY_BROKER_URL, settings.CACHES['default']['BACKEND'])"
    )
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DATABASE_URL"}}
    env.update({"DJANGO_SETTINGS_MODULE": "factcheck.settings.test", "BROKER_URL": AMQP_URL})
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [AMQP_URL, "django.core.cache.backends.locmem.LocMemCache"]


@pytest.mark.skipif(not _rabbitmq_reachable(), reason="RabbitMQ is not reachable at 127.0.0.1:5672")
def test_a_real_worker_on_rabbitmq_runs_a_job_end_to_end():
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DATABASE_URL"}}
    env.update({"DJANGO_SETTINGS_MODULE": "factcheck.settings.test", "BROKER_URL": AMQP_URL})
    result = subprocess.run(
        [sys.executable, "-c", _AMQP_RUN],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "ran on amqp://guest:**@127.0.0.1:5672//" in result.stdout
