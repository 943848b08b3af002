"""Structured logs: every line of a request carries its id (from a safe ``X-Request-ID`` or
made up), the response returns it, and a job the request sends logs the same id when a
real worker runs it. ``LOG_FORMAT=json`` gives one JSON object per line."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings

from factcheck.celery_app import app
from factcheck.lib.requestid import HEADER, RequestIdFilter, request_id_safe

# The job the test URLconf's view sends: registered before any worker starts.
from tests.factcheck import requestid_urls  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]


class Lines:
    """A handler configured like the settings' console handler, in JSON, kept in memory."""

    def __init__(self):
        self.stream = io.StringIO()
        self.handler = logging.StreamHandler(self.stream)
        options = {k: v for k, v in settings.LOGGING["formatters"]["json"].items() if k != "()"}
        from pythonjsonlogger.json import JsonFormatter

        self.handler.setFormatter(JsonFormatter(**options))
        self.handler.addFilter(RequestIdFilter())

    def attach(self):
        root = logging.getLogger()
        root.addHandler(self.handler)
        logging.getLogger("tests.requestid").setLevel(logging.INFO)
        return self

    def detach(self):
        logging.getLogger().removeHandler(self.handler)

    def records(self) -> list[dict]:
        return [json.loads(line) for line in self.stream.getvalue().splitlines() if line]


@pytest.fixture
def lines():
    captured = Lines().attach()
    yield captured
    captured.detach()


@pytest.mark.django_db
def test_a_safe_incoming_request_id_is_kept_returned_and_on_every_line(client, lines):
    response = client.get("/no-such-page-here/", headers={HEADER: "edge-7f3a.1:42"})
    assert response.status_code == 404
    assert response[HEADER] == "edge-7f3a.1:42"
    not_found = [r for r in lines.records() if r["logger"] == "django.request"]
    assert not_found, lines.records()
    assert all(r["request_id"] == "edge-7f3a.1:42" for r in not_found)
    assert {"time", "level", "logger", "message"} <= set(not_found[0])


@pytest.mark.django_db
@pytest.mark.parametrize(
    "given", ["", "two words", "x" * 129, "evil\r\nX-Injected: 1", "<script>", "é"]
)
def test_an_unsafe_or_missing_request_id_is_replaced_by_a_new_one(client, given, lines):
    headers = {HEADER: given} if given else {}
    response = client.get("/no-such-page-here/", headers=headers)
    made = response[HEADER]
    assert made != given and request_id_safe(made) == made and len(made) == 32
    logged = {r["request_id"] for r in lines.records() if r["logger"] == "django.request"}
    assert logged == {made}
    # The next request gets an id of its own.
    assert client.get("/no-such-page-here/")[HEADER] != made


def test_lines_outside_a_request_say_so(lines):
    logging.getLogger("tests.requestid").warning("between requests")
    (record,) = [r for r in lines.records() if r["message"] == "between requests"]
    assert record["request_id"] == "-"


@pytest.mark.django_db(transaction=True)
@pytest.mark.urls("tests.factcheck.requestid_urls")
def test_a_job_sent_by_a_request_logs_the_requests_id_on_a_real_worker(client):
    marker = uuid.uuid4().hex
    app.control.purge()
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        # Attached after the worker's own logging set-up, which replaces the root handlers.
        captured = Lines().attach()
        try:
            response = client.get(f"/send-job?marker={marker}", headers={HEADER: "req-abc123"})
            assert response.status_code == 200 and response[HEADER] == "req-abc123"
            deadline = time.monotonic() + 20
            ran = []
            while time.monotonic() < deadline and not ran:
                ran = [r for r in captured.records() if r["message"] == f"job ran {marker}"]
                time.sleep(0.05)
        finally:
            captured.detach()
    assert ran, "the worker did not run the job"
    assert ran[0]["request_id"] == "req-abc123"
    sent = [r for r in captured.records() if r["message"] == f"view sends the job {marker}"]
    assert sent and sent[0]["request_id"] == "req-abc123"


def test_log_format_json_makes_every_line_a_json_object():
    code = (
        "import django, logging; django.setup(); "
        "logging.getLogger('ops').warning('hello %s', 'world')"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "factcheck.settings.test",
        "LOG_FORMAT": "json",
    }
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT, timeout=60
    )
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stderr.strip().splitlines()[-1])
    assert record["message"] == "hello world" and record["level"] == "WARNING"
    assert record["logger"] == "ops" and record["request_id"] == "-"


def test_an_unknown_log_format_is_refused_with_a_clear_message():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "factcheck.settings.test", "LOG_FORMAT": "xml"}
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=60,
    )
    assert result.returncode != 0
    assert "LOG_FORMAT='xml': use plain or json." in result.stderr
