"""A broker port that accepts connections and never answers (a black hole: a firewall that
drops, a hung server). Without read timeouts a send would wait forever and hold the
request; with the Redis transport's timeouts (``FACTCHECK_BROKER_SEND_TIMEOUT``) the send
gives up, is logged, and the request answers with its change committed."""

from __future__ import annotations

import logging
import socket
import threading
import time

import pytest
from django.conf import settings
from django.urls import reverse

from claims.models import Evidence
from factcheck.celery_app import _worker_broker_timeouts, app
from factcheck.lib.heartbeat import heartbeat
from factcheck.lib.jobs import send_quietly
from tests.factories import ClaimFactory
from tests.reliability.conftest import _new_broker_connections

pytestmark = pytest.mark.django_db(transaction=True)


class BlackHole:
    """A TCP port on 127.0.0.1 that accepts every connection and never sends a byte."""

    def __init__(self) -> None:
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.port = self.listener.getsockname()[1]
        self.held: list[socket.socket] = []
        self.stopped = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.stopped.is_set():
            try:
                connection, _address = self.listener.accept()
            except OSError:
                return
            self.held.append(connection)

    def close(self) -> None:
        self.stopped.set()
        self.listener.close()
        for connection in self.held:
            connection.close()


def _redis_options() -> dict:
    timeout = settings.FACTCHECK_BROKER_SEND_TIMEOUT
    return {
        "visibility_timeout": 3600,
        "socket_timeout": timeout,
        "socket_connect_timeout": timeout,
    }


@pytest.fixture
def black_hole_broker():
    hole = BlackHole()
    keys = ("broker_url", "broker_transport_options")
    saved = {key: app.conf[key] for key in keys}
    app.conf.update(
        broker_url=f"redis://127.0.0.1:{hole.port}/0", broker_transport_options=_redis_options()
    )
    _new_broker_connections()
    yield hole
    app.conf.update(saved)
    _new_broker_connections()
    hole.close()


def test_the_services_mode_settings_bound_every_redis_broker_read():
    # The options the settings give a Redis broker (REDIS_URL or a redis:// BROKER_URL).
    assert settings.FACTCHECK_BROKER_SEND_TIMEOUT <= 1.0
    if str(settings.CELERY_BROKER_URL).startswith("redis"):
        options = settings.CELERY_BROKER_TRANSPORT_OPTIONS
        assert options["socket_timeout"] == settings.FACTCHECK_BROKER_SEND_TIMEOUT
        assert options["socket_connect_timeout"] == settings.FACTCHECK_BROKER_SEND_TIMEOUT


def test_a_send_to_a_black_hole_gives_up_and_is_logged(black_hole_broker, caplog):
    caplog.set_level(logging.WARNING)
    started = time.monotonic()
    sent = send_quietly(heartbeat, [], logger=logging.getLogger("test"), what="a beat")
    elapsed = time.monotonic() - started
    assert sent is False
    # Three tries (two retries) of one timeout each, and the retry intervals.
    assert elapsed < 3 * settings.FACTCHECK_BROKER_SEND_TIMEOUT + 1.5, elapsed
    assert "could not enqueue a beat" in caplog.text
    assert black_hole_broker.held, "the send never reached the port"


def test_evidence_saved_while_the_broker_is_a_black_hole(
    black_hole_broker, client_for, patch_setting, fast_link_settings
):
    patch_setting("FACTCHECK_LINK_CHECK_NEW_LINKS", True)
    patch_setting("FACTCHECK_SNAPSHOT_ON_CITE", True)
    claim = ClaimFactory()
    client = client_for("reviewer")
    client.post(reverse("claims:claim_start_review", kwargs={"pk": claim.pk}))
    started = time.monotonic()
    response = client.post(
        reverse("claims:evidence_add", kwargs={"pk": claim.pk}),
        {"url": "https://stats.example.org/audit", "stance": "refutes", "quote": ""},
    )
    elapsed = time.monotonic() - started
    assert response.status_code in (200, 302)
    assert Evidence.objects.filter(
        claim=claim, link__url="https://stats.example.org/audit"
    ).exists()
    # Each job the save sends (link check, snapshot) gives up after its tries: bounded.
    assert elapsed < 12 * settings.FACTCHECK_BROKER_SEND_TIMEOUT + 4, elapsed


def test_workers_and_beat_read_with_the_longer_timeout():
    class Conf:
        broker_transport_options = _redis_options()

    conf = Conf()
    _worker_broker_timeouts(conf)
    assert conf.broker_transport_options["socket_timeout"] == (
        settings.FACTCHECK_BROKER_WORKER_TIMEOUT
    )
    assert settings.FACTCHECK_BROKER_WORKER_TIMEOUT > 1  # blocking reads wait up to 1 s
    embedded = Conf()
    embedded.broker_transport_options = {"data_folder_in": "x"}
    _worker_broker_timeouts(embedded)
    assert embedded.broker_transport_options == {"data_folder_in": "x"}
