"""Fixtures of the fault suite: a Redis server of the test's own (to stop and start again),
the Celery app pointed at it, a real worker in a thread, and the link tests' fixtures.

Every wait is bounded; every server is on a loopback address and started by the test.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import redis
from celery.contrib.testing.worker import start_worker

from factcheck.celery_app import app

# The link tests' fixtures (settings patches a starting worker accepts, allow-listed servers).
from tests.sources.conftest import allow_servers, fast_link_settings, patch_setting  # noqa: F401
from tests.sources.httpserver import closed_port

# Bounded waits that look again when embedded mode's shared in-memory database is locked.
from tests.sources.test_link_worker import _wait as wait_for

SERVICES_MODE = bool(os.environ.get("DATABASE_URL"))

services_only = pytest.mark.skipif(
    not SERVICES_MODE,
    reason="services mode only: embedded mode has no database server to lose (SQLite is a "
    "file in the process)",
)


class RedisServer:
    """A ``redis-server`` of the test's own on a free loopback port: stopped and started
    again on the same port, as an operator's restart would."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.port = closed_port()
        self.process: subprocess.Popen | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> RedisServer:
        self.process = subprocess.Popen(
            [
                shutil.which("redis-server") or "redis-server",
                *("--port", str(self.port), "--bind", "127.0.0.1"),
                *("--save", "", "--appendonly", "no", "--dir", str(self.directory)),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port, socket_connect_timeout=0.2)

        def answers() -> bool:
            try:
                return bool(client.ping())
            except redis.RedisError:
                return False

        wait_for(answers, 10, f"redis-server on port {self.port} answering")
        return self

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture
def redis_server(tmp_path):
    if not shutil.which("redis-server"):
        pytest.skip("redis-server is not installed: no broker server to stop")
    server = RedisServer(tmp_path).start()
    yield server
    server.stop()


def _new_broker_connections() -> None:
    """Connections are pooled per app: drop the pools, the next send opens new ones."""
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def broker(redis_server):
    """The Celery app of this process sends to (and its test workers read) a Redis server of
    the test's own (``broker.stop()``, ``broker.start()``); the configured broker afterwards."""
    keys = ("broker_url", "broker_transport_options")
    saved = {key: app.conf[key] for key in keys}
    app.conf.update(broker_url=redis_server.url(), broker_transport_options={})
    _new_broker_connections()
    yield redis_server
    app.conf.update(saved)
    _new_broker_connections()


@contextlib.contextmanager
def thread_worker(**options):
    """A real worker in a thread on the app's current broker (one task at a time)."""
    app.control.purge()
    with start_worker(
        app, pool="solo", perform_ping_check=False, shutdown_timeout=10, **options
    ) as worker:
        yield worker


def awaiting_approval(reviewer):
    """A claim whose verdict (rated false) the reviewer sent for approval."""
    from claims import services
    from factcheck.lib.versions import NO_VERSION_CHECK
    from tests.factories import ClaimFactory, rating_level

    claim = ClaimFactory()
    services.verdict_save(
        claim=claim,
        user=reviewer,
        version=NO_VERSION_CHECK,
        rating=rating_level("false"),
        summary="No such spending.",
        rationale="The audited accounts.",
    )
    services.claim_submit_for_approval(claim=claim, user=reviewer, version=NO_VERSION_CHECK)
    claim.refresh_from_db()
    return claim
