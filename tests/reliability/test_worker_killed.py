"""A worker killed with SIGKILL in the middle of its work, for the job families the link
worker test (tests/sources/test_link_worker.py, link checks) does not cover: real ``celery
worker`` processes on a scratch database, the whole process group killed, a new worker
started. Each unit of work is then done exactly once.

A killed worker never acknowledged its message (``acks_late``): Redis gives it to another
worker once the visibility timeout has passed (an hour in production; 3 s here). Where the
recovery waits for a lease to expire, the test moves the row's clock back instead of waiting.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import uuid

import pytest

from tests.reliability.conftest import SERVICES_MODE, wait_for
from tests.sources.httpserver import LocalHTTPServer, respond
from tests.sources.test_link_worker import (
    ScratchDatabase,
    _env,
    _kill,
    _manage,
    _start_worker,
)

SENTENCES = 3000


@pytest.fixture(scope="module")
def migrated(tmp_path_factory):
    """One scratch database for the module, migrated once."""
    tmp = tmp_path_factory.mktemp("killed")
    db = ScratchDatabase(tmp)
    db.create()
    env = _env(db, tmp, f"killed-{uuid.uuid4().hex[:8]}")
    _manage(env, "migrate", "--noinput", timeout=240)
    yield db, tmp
    db.drop()


@pytest.fixture
def receiver():
    """A newsroom's webhook receiver that takes 1.5 s to answer each delivery."""
    with LocalHTTPServer() as server:
        server.route("/hooks", respond(200, "thanks", content_type="text/plain", delay=1.5))
        yield server


@pytest.fixture
def deployment(migrated, tmp_path, receiver):
    db, tmp = migrated
    queue = f"killed-{uuid.uuid4().hex[:8]}"
    env = _env(
        db,
        tmp,
        queue,
        DJANGO_SETTINGS_MODULE="tests.reliability.worker_settings",
        FACTCHECK_TEST_VISIBILITY_TIMEOUT=3,
        FACTCHECK_INGEST_BATCH_ROWS=5,
        FACTCHECK_CHECKWORTHINESS_THRESHOLD=0.5,
        FACTCHECK_FETCH_ALLOW_HOSTS=f"{receiver.host}:{receiver.port}",
        HOOK_URL=receiver.url("/hooks"),
    )
    with contextlib.ExitStack() as stack:

        def start():
            process = _start_worker(env, queue, tmp_path / "worker.log")
            stack.callback(_kill, process)
            return process

        yield db, env, start, tmp_path / "worker.log"
    if SERVICES_MODE:  # what the killed workers left on the shared Redis
        import redis

        redis.Redis.from_url(os.environ["REDIS_URL"]).delete(
            queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}"
        )


def _count(db: ScratchDatabase, sql: str) -> int:
    return db.query(sql)[0][0]


def _minutes_ago(db: ScratchDatabase, table: str, column: str, minutes: int) -> None:
    """Time passes for one column: its values move ``minutes`` into the past."""
    if db.vendor == "postgresql":
        value = f"{column} - interval '{minutes} minutes'"
        db.query(f"UPDATE {table} SET {column} = {value} RETURNING id")  # noqa: S608 (test's names)
        return
    value = f"strftime('%Y-%m-%d %H:%M:%f', {column}, '-{minutes} minutes')"
    with contextlib.closing(sqlite3.connect(db.path, timeout=20)) as conn, conn:
        conn.execute(f"UPDATE {table} SET {column} = {value}")  # noqa: S608 (test's names)


QUEUE_INGESTION = """
import json, os
from claims.models import IngestJob
from claims.tasks import article_fetch_and_ingest
text = " ".join(f"Claim {n} cost {n} dollars." for n in range(int(os.environ["SENTENCES"])))
job = IngestJob.objects.create(title="Killed", text=text, text_format="text")
article_fetch_and_ingest.delay(job.pk)
print(json.dumps({"job": job.pk}))
"""


@pytest.mark.timeout(240)
def test_an_ingestion_killed_mid_batch_is_finished_once_by_another_worker(deployment):
    db, env, start, log = deployment
    first = start()
    out = _manage({**env, "SENTENCES": str(SENTENCES)}, "shell", "-c", QUEUE_INGESTION)
    job = json.loads(out.strip().splitlines()[-1])["job"]
    # Killed while the sentences are being stored, batch by batch, in their own commits.
    wait_for(
        lambda: _count(db, "SELECT COUNT(*) FROM claims_articlesentence") >= 50,
        120,
        "the first batches of sentences",
        interval=0.02,
    )
    _kill(first)
    stored = _count(db, "SELECT COUNT(*) FROM claims_articlesentence")
    assert stored < SENTENCES, "the ingestion finished before the kill: the test proves nothing"
    assert _count(db, "SELECT COUNT(*) FROM claims_article WHERE ingest_state = 'processing'")

    # Ten minutes pass: the job's run and the half-stored article count as abandoned.
    _minutes_ago(db, "claims_ingestjob", "started_at", 11)
    _minutes_ago(db, "claims_article", "created_at", 11)
    start()
    # Beat's sweep (every minute) sends the abandoned job again: the file broker (embedded
    # mode) deleted the message when the killed worker took it; Redis gives it back too,
    # and the run that claims the job first does it, once.
    _manage(env, "shell", "-c", "from claims.services import ingest_jobs_sweep as s; print(s())")
    try:
        wait_for(
            lambda: (
                db.query(f"SELECT state FROM claims_ingestjob WHERE id = {job}")[0][0]  # noqa: S608
                in ("done", "failed")
            ),
            90,
            "the ingestion finished by the second worker",
            interval=0.2,
        )
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n{log.read_text()[-4000:]}") from None
    state, error = db.query(f"SELECT state, error FROM claims_ingestjob WHERE id = {job}")[0]  # noqa: S608
    assert state == "done", (error, log.read_text()[-3000:])
    assert _count(db, "SELECT COUNT(*) FROM claims_article") == 1
    assert _count(db, "SELECT COUNT(*) FROM claims_article WHERE ingest_state = 'ready'") == 1
    assert _count(db, "SELECT COUNT(*) FROM claims_articlesentence") == SENTENCES


QUEUE_DELIVERIES = """
import json, os
from django.utils import timezone
from api.models import WebhookDelivery, WebhookEndpoint
from api.tasks import webhook_deliver
endpoint = WebhookEndpoint.objects.create(
    url=os.environ["HOOK_URL"], events=["article.ingested"], secret="whsec_test"
)
ids = []
for n in range(4):
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint, event="article.ingested", payload={"data": {"id": n}},
        next_attempt_at=timezone.now(),
    )
    webhook_deliver.delay(delivery.pk)
    ids.append(delivery.pk)
print(json.dumps(ids))
"""

SWEEP = "from api.tasks import webhook_deliveries_sweep; print(webhook_deliveries_sweep())"


@pytest.mark.timeout(240)
def test_webhook_deliveries_killed_mid_batch_are_each_delivered_once(deployment, receiver):
    db, env, start, log = deployment
    delivered = "SELECT COUNT(*) FROM api_webhookdelivery WHERE delivered_at IS NOT NULL"
    first = start()
    ids = json.loads(_manage(env, "shell", "-c", QUEUE_DELIVERIES).strip().splitlines()[-1])
    # Killed while the second delivery waits for the receiver's answer.
    wait_for(lambda: _count(db, delivered) >= 1, 60, "the first delivery", interval=0.02)
    wait_for(lambda: len(receiver.requests_to("/hooks")) >= 2, 10, "the second attempt")
    _kill(first)
    assert _count(db, delivered) < len(ids), "all delivered before the kill: proves nothing"

    start()
    # The killed attempt holds its delivery for ATTEMPT_LEASE (5 minutes) and the sweep
    # leaves it a minute more: that much time passes.
    _minutes_ago(db, "api_webhookdelivery", "next_attempt_at", 7)
    wait_for(lambda: _count(db, delivered) >= len(ids) - 1, 60, "the deliveries left queued")
    assert _manage(env, "shell", "-c", SWEEP).strip().splitlines()[-1] in {"0", "1"}
    try:
        wait_for(lambda: _count(db, delivered) == len(ids), 60, "every delivery", interval=0.2)
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n{log.read_text()[-4000:]}") from None

    # Each delivery reached the receiver; only the one in flight at the kill reached it
    # twice, under the same delivery id (receivers drop repeats by X-Factcheck-Delivery).
    seen = [r.headers["x-factcheck-delivery"] for r in receiver.requests_to("/hooks")]
    assert sorted(set(seen)) == sorted(str(pk) for pk in ids)
    assert len(seen) <= len(ids) + 1, seen
    attempts = db.query("SELECT attempt FROM api_webhookdelivery WHERE delivered_at IS NOT NULL")
    assert sorted(a for (a,) in attempts)[:-1] == [1] * (len(ids) - 1), attempts
