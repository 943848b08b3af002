"""/healthz reports database, broker and worker reachability as JSON, 200 or 503, and the
link checker's own outage as "degraded" (still 200)."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.cache import cache
from django.db import OperationalError

from factcheck.lib import health
from factcheck.lib.heartbeat import HEARTBEAT_KEY, heartbeat_record

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_heartbeat():
    cache.delete(HEARTBEAT_KEY)
    yield
    cache.delete(HEARTBEAT_KEY)


def test_it_answers_200_when_database_broker_and_worker_are_up(client):
    heartbeat_record(source="test")
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert {name: c["ok"] for name, c in body["checks"].items()} == {
        "database": True,
        "broker": True,
        "worker": True,
        "link_checker": True,
    }
    assert body["checks"]["link_checker"]["status"] == "ok"


def test_it_answers_503_naming_the_worker_when_none_has_answered(client):
    response = client.get("/healthz")
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["worker"] == {"ok": False, "detail": "no worker has answered yet"}
    assert checks["database"]["ok"] and checks["broker"]["ok"]


def test_it_answers_503_when_the_last_worker_answer_is_too_old(client, settings):
    settings.FACTCHECK_WORKER_HEARTBEAT_MAX_AGE = 60
    old = (datetime.now(UTC) - timedelta(minutes=5)).isoformat()
    cache.set(HEARTBEAT_KEY, {"at": old, "host": "w1", "source": "beat"})
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["worker"]["detail"].startswith("last worker answer 3")


def test_it_answers_503_naming_the_broker_when_the_broker_is_unreachable(
    client, settings, tmp_path
):
    heartbeat_record(source="test")
    if settings.CELERY_BROKER_URL.startswith("fsq://"):
        blocker = tmp_path / "not-a-folder"
        blocker.write_text("a file where the broker folder should be")
        settings.CELERY_BROKER_TRANSPORT_OPTIONS = {
            **settings.CELERY_BROKER_TRANSPORT_OPTIONS,
            "data_folder_in": str(blocker / "broker"),
        }
    else:
        # Nothing listens on port 1 of the loopback address.
        settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["broker"]["ok"] is False
    assert body["checks"]["database"]["ok"] is True


def test_it_answers_503_naming_the_database_when_queries_fail(client, monkeypatch):
    heartbeat_record(source="test")

    class BrokenConnection:
        vendor = "broken"

        def cursor(self):
            raise OperationalError("could not connect to server: Connection refused")

    monkeypatch.setattr(health, "connections", {"default": BrokenConnection()})
    response = client.get("/healthz")
    assert response.status_code == 503
    database = response.json()["checks"]["database"]
    assert database == {
        "ok": False,
        "detail": "OperationalError: could not connect to server: Connection refused",
    }


def test_it_is_never_cached(client):
    response = client.get("/healthz")
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_a_failing_degrading_check_says_degraded_and_keeps_200(client, monkeypatch):
    heartbeat_record(source="test")
    monkeypatch.setitem(health.DEGRADING_CHECKS, "spare_part", lambda: (False, "spare is off"))
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["checks"]["spare_part"] == {
        "ok": False,
        "status": "degraded",
        "detail": "spare is off",
    }


def test_a_degrading_check_that_raises_is_reported_not_a_traceback(client, monkeypatch):
    heartbeat_record(source="test")

    def broken():
        raise RuntimeError("no idea")

    monkeypatch.setitem(health.DEGRADING_CHECKS, "spare_part", broken)
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["checks"]["spare_part"]["detail"] == "RuntimeError: no idea"


def test_a_degraded_part_never_hides_an_unavailable_one(client, monkeypatch):
    monkeypatch.setitem(health.DEGRADING_CHECKS, "spare_part", lambda: (False, "spare is off"))
    response = client.get("/healthz")  # no worker has answered
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"


def test_the_site_checks_cannot_be_registered_as_degrading():
    with pytest.raises(ValueError, match="cannot work without"):
        health.health_check_register("database", lambda: (True, ""))
