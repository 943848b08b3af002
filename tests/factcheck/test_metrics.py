"""/metrics: Prometheus text for a bearer token or an allowed address, and nobody else;
request latency by view, jobs by outcome and duration (a real worker), queue depths read
from the broker, links by state in one query, and the reader cache's hits."""

from __future__ import annotations

import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings as django_settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from factcheck.celery_app import app
from sources.models import Link
from sources.tasks import link_check_batch
from tests.factories import LinkFactory

TOKEN = "metrics-" + "s3cret" * 6


@app.task(name="tests.metrics_ok")
def metrics_ok() -> str:
    return "done"


@app.task(name="tests.metrics_fails")
def metrics_fails() -> None:
    raise ValueError("this job fails on purpose")


def _samples(body: bytes) -> dict[tuple[str, tuple], float]:
    found = {}
    for family in text_string_to_metric_families(body.decode()):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def _names(body: bytes) -> set[str]:
    return {name for name, _ in _samples(body)}


@pytest.fixture
def token(settings):
    settings.FACTCHECK_METRICS_TOKEN = TOKEN
    settings.FACTCHECK_METRICS_ALLOWED_IPS = []
    return {"Authorization": f"Bearer {TOKEN}"}


@pytest.mark.django_db
def test_without_the_token_it_is_401_and_with_a_wrong_one_403(client, token):
    response = client.get("/metrics")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert b"factcheck_" not in response.content
    wrong = client.get("/metrics", headers={"Authorization": "Bearer not-the-token"})
    assert wrong.status_code == 403 and b"factcheck_" not in wrong.content


@pytest.mark.django_db
def test_closed_to_everyone_when_neither_token_nor_addresses_are_set(client, settings):
    settings.FACTCHECK_METRICS_TOKEN = ""
    settings.FACTCHECK_METRICS_ALLOWED_IPS = []
    assert client.get("/metrics").status_code == 403
    # A bearer header is no key when no token is configured.
    assert client.get("/metrics", headers={"Authorization": "Bearer "}).status_code == 403


@pytest.mark.django_db
def test_an_allowed_address_reads_them_without_a_token(client, settings):
    settings.FACTCHECK_METRICS_TOKEN = TOKEN
    settings.FACTCHECK_METRICS_ALLOWED_IPS = ["10.0.0.0/8"]
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="192.0.2.1").status_code == 401


@pytest.mark.django_db
def test_with_the_token_it_is_200_with_the_expected_metrics(client, token):
    client.get("/healthz")
    response = client.get("/metrics", headers=token)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert "no-store" in response["Cache-Control"]
    names = _names(response.content)
    assert {
        "factcheck_http_request_duration_seconds_bucket",
        "factcheck_http_responses_total",
        "factcheck_celery_broker_up",
        "factcheck_celery_queue_messages",
        "factcheck_links",
    } <= names
    samples = _samples(response.content)
    # Latency and answers are labelled by view (never by address: bounded labels).
    assert (
        "factcheck_http_request_duration_seconds_count",
        (("method", "GET"), ("view", "healthz")),
    ) in samples
    answered = [
        dict(labels)
        for name, labels in samples
        if name == "factcheck_http_responses_total" and ("view", "healthz") in labels
    ]
    assert answered and answered[0]["status"] in {"200", "503"}
    assert samples[("factcheck_celery_broker_up", ())] == 1.0
    for queue in django_settings.FACTCHECK_QUEUES:
        assert ("factcheck_celery_queue_messages", (("queue", queue),)) in samples


@pytest.mark.django_db
def test_requests_are_timed_by_view_and_unmatched_addresses_share_one_label(client, token):
    def count(view, status):
        labels = {"view": view, "method": "GET", "status": status}
        return REGISTRY.get_sample_value("factcheck_http_responses_total", labels) or 0.0

    before_home = count("reader:home", "200")
    before_unmatched = count("<unresolved>", "404")
    client.get("/")
    client.get("/no-such-address-1/x")
    client.get("/no-such-address-2/y")
    assert count("reader:home", "200") == before_home + 1
    assert count("<unresolved>", "404") == before_unmatched + 2
    body = client.get("/metrics", headers=token).content.decode()
    assert "no-such-address" not in body


@pytest.mark.django_db
def test_queue_depth_is_read_from_the_broker(client, token):
    app.control.purge()
    try:
        for _ in range(3):
            link_check_batch.delay([])
        samples = _samples(client.get("/metrics", headers=token).content)
        assert samples[("factcheck_celery_queue_messages", (("queue", "links"),))] == 3.0
        assert samples[("factcheck_celery_queue_messages", (("queue", "ingest"),))] == 0.0
    finally:
        app.control.purge()


@pytest.mark.django_db
def test_an_unreachable_broker_is_reported_within_the_time_limit(client, token, settings):
    settings.FACTCHECK_METRICS_BROKER_TIMEOUT = 1.0
    original = app.conf.broker_url
    app.conf.broker_url = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    try:
        began = time.monotonic()
        response = client.get("/metrics", headers=token)
        took = time.monotonic() - began
    finally:
        app.conf.broker_url = original
    assert response.status_code == 200
    assert _samples(response.content)[("factcheck_celery_broker_up", ())] == 0.0
    assert took < 5


@pytest.mark.django_db
def test_links_by_state_in_one_query_whatever_their_number(client, token):
    def scrape():
        with CaptureQueriesContext(connection) as queries:
            body = client.get("/metrics", headers=token).content
        return _samples(body), len(queries)

    LinkFactory(state=Link.State.DEAD)
    LinkFactory(state=Link.State.ALIVE)
    few, few_queries = scrape()
    for _ in range(20):
        LinkFactory(state=Link.State.ALIVE)
    LinkFactory(state=Link.State.FAILING)
    many, many_queries = scrape()
    assert many_queries == few_queries
    assert few[("factcheck_links", (("state", "dead"),))] == 1.0
    assert many[("factcheck_links", (("state", "alive"),))] == 21.0
    assert many[("factcheck_links", (("state", "failing"),))] == 1.0
    assert many[("factcheck_links", (("state", "unsafe"),))] == 0.0


@pytest.mark.django_db
def test_the_reader_cache_hits_and_misses_are_counted(client):
    def count(served):
        return (
            REGISTRY.get_sample_value("factcheck_reader_cache_responses_total", {"served": served})
            or 0.0
        )

    misses, hits = count("miss"), count("hit")
    first = client.get("/")
    second = client.get("/")
    assert (first["X-Reader-Cache"], second["X-Reader-Cache"]) == ("miss", "hit")
    assert count("miss") == misses + 1
    assert count("hit") == hits + 1


@pytest.mark.django_db(transaction=True)
def test_jobs_are_counted_by_outcome_and_timed_on_a_real_worker(client, monkeypatch):
    monkeypatch.setattr(django_settings, "FACTCHECK_METRICS_TOKEN", TOKEN)

    def value(name, labels):
        return REGISTRY.get_sample_value(name, labels) or 0.0

    ok = {"task": "tests.metrics_ok", "outcome": "success"}
    failed = {"task": "tests.metrics_fails", "outcome": "failure"}
    before_ok, before_failed = (value("factcheck_celery_tasks_total", x) for x in (ok, failed))
    app.control.purge()
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        metrics_ok.delay()
        metrics_fails.delay()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and (
            value("factcheck_celery_tasks_total", ok) == before_ok
            or value("factcheck_celery_tasks_total", failed) == before_failed
        ):
            time.sleep(0.05)
    assert value("factcheck_celery_tasks_total", ok) == before_ok + 1
    assert value("factcheck_celery_tasks_total", failed) == before_failed + 1
    body = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).content
    samples = _samples(body)
    assert (
        samples[("factcheck_celery_task_duration_seconds_count", (("task", "tests.metrics_ok"),))]
        >= 1
    )
    assert ("factcheck_celery_tasks_total", tuple(sorted(failed.items()))) in samples


def test_a_worker_serves_its_job_metrics_on_its_own_port():
    import urllib.request

    from factcheck.lib.metrics import worker_exporter_start

    server = worker_exporter_start(0, address="127.0.0.1")  # any free port
    try:
        port = server.server_address[1]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as answer:
            body = answer.read()
    finally:
        server.shutdown()
    names = {family.name for family in text_string_to_metric_families(body.decode())}
    assert {"factcheck_celery_tasks", "factcheck_celery_task_duration_seconds"} <= names
    # Scrape-time gauges (broker, database) are /metrics' alone.
    assert "factcheck_celery_queue_messages" not in names
