"""``manage.py check_link`` against the local test server.

Needs the project's Django settings (``factcheck.settings.test`` unless
``DJANGO_SETTINGS_MODULE`` says otherwise).
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factcheck.settings.test")
pytest.importorskip(os.environ["DJANGO_SETTINGS_MODULE"], reason="Django settings not available")

import django
from django.apps import apps
from django.core.management import CommandError, call_command
from django.test import override_settings

from tests.sources.httpserver import LocalHTTPServer, redirect, respond

REPO = Path(__file__).resolve().parents[2]
JSON_KEYS = {"outcome", "status", "final_url", "redirects", "elapsed_ms", "error"}


@pytest.fixture(scope="module", autouse=True)
def django_ready():
    if not apps.ready:
        django.setup()


@pytest.fixture
def server():
    with LocalHTTPServer() as srv:
        srv.route("/old", redirect("/article", status=301))
        srv.route("/article", respond(200, "<title>Budget passes</title><h1>Budget passes</h1>"))
        srv.route("/missing", respond(404, "nope"))
        yield srv


def run_command(*args: str) -> str:
    out = io.StringIO()
    call_command("check_link", *args, stdout=out)
    return out.getvalue()


def manage(*args: str, allow: str = "") -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": os.environ["DJANGO_SETTINGS_MODULE"],
        "FACTCHECK_FETCH_ALLOW_HOSTS": allow,
    }
    return subprocess.run(
        [sys.executable, "manage.py", "check_link", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_json_output_has_the_result_fields(server):
    with override_settings(FACTCHECK_FETCH_ALLOW_HOSTS=[f"127.0.0.1:{server.port}"]):
        data = json.loads(run_command(server.url("/old"), "--json"))
    assert set(data) >= JSON_KEYS
    assert data["outcome"] == "ok"
    assert data["status"] == 200
    assert data["final_url"] == server.url("/article")
    assert data["redirects"] == [[301, server.url("/article")]]


def test_the_human_output_names_outcome_status_and_redirects(server):
    with override_settings(FACTCHECK_FETCH_ALLOW_HOSTS=[f"127.0.0.1:{server.port}"]):
        text = run_command(server.url("/missing"), "--timeout", "5")
    assert "Outcome:     not_found" in text
    assert "Status:      404" in text
    assert "Elapsed:" in text


def test_a_loopback_url_without_the_allow_list_is_reported_unsafe(server):
    with override_settings(FACTCHECK_FETCH_ALLOW_HOSTS=[]):
        data = json.loads(run_command(server.url("/article"), "--json"))
    assert data["outcome"] == "unsafe"
    assert server.requests == []


@pytest.mark.parametrize(
    "args",
    [(), ("--timeout", "soon", "http://example.com/"), ("--timeout", "0", "http://example.com/")],
)
def test_bad_arguments_raise_a_command_error_with_return_code_2(args):
    with pytest.raises(CommandError) as info:
        run_command(*args)
    assert info.value.returncode == 2


def test_the_command_line_uses_the_allow_list_from_the_environment(server):
    done = manage(server.url("/old"), "--json", allow=f"127.0.0.1:{server.port}")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert set(data) >= JSON_KEYS
    assert (data["outcome"], data["final_url"]) == ("ok", server.url("/article"))


def test_the_command_line_exits_0_whatever_the_outcome(server):
    done = manage(server.url("/article"), "--json")  # not allow-listed: refused
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["outcome"] == "unsafe"


@pytest.mark.parametrize(
    "args",
    [(), ("http://example.com/", "--timeout", "x"), ("http://example.com/", "--timeout", "-1")],
)
def test_the_command_line_exits_2_on_bad_arguments(args):
    done = manage(*args)
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert done.stderr.strip()
