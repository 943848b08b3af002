"""Configuration mistakes give one clear line naming what to fix, never a traceback."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from factcheck.lib.env import redact_url, redis_db_number, redis_url_with_db

ROOT = Path(__file__).resolve().parents[2]


def manage(*args: str, tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    base = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE"}
    }
    base.update({"DJANGO_SETTINGS_MODULE": "factcheck.settings.local"})
    base["FACTCHECK_VAR_DIR"] = str(tmp_path / "var")
    base.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=base,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_preflight_names_database_url_when_postgresql_is_unreachable(tmp_path):
    result = manage(
        "preflight", tmp_path=tmp_path, DATABASE_URL="postgres://nobody@127.0.0.1:1/nothing"
    )
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: database unreachable")
    assert "check DATABASE_URL" in lines[0]
    assert "Traceback" not in result.stderr


def test_preflight_names_redis_url_when_the_broker_is_unreachable(tmp_path):
    result = manage("preflight", tmp_path=tmp_path, REDIS_URL="redis://127.0.0.1:1/0")
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: broker unreachable") and "check REDIS_URL" in lines[0]


def test_preflight_passes_in_embedded_mode(tmp_path):
    result = manage("preflight", tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "database: sqlite3; broker: fsq://" in result.stdout


def test_a_malformed_database_url_is_one_line_naming_the_variable(tmp_path):
    result = manage("check", tmp_path=tmp_path, DATABASE_URL="nonsense://")
    assert result.returncode == 1
    assert result.stderr.strip().startswith("configuration error: DATABASE_URL")
    assert "Traceback" not in result.stderr


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    result = manage(
        "check", tmp_path=tmp_path, DJANGO_SETTINGS_MODULE="factcheck.settings.production"
    )
    assert result.returncode == 1
    assert "DJANGO_SECRET_KEY is not set" in result.stderr
    assert "Traceback" not in result.stderr


def test_production_refuses_a_weak_key_and_debug_with_factcheck_errors(tmp_path):
    result = manage(
        "check",
        tmp_path=tmp_path,
        DJANGO_SETTINGS_MODULE="factcheck.settings.production",
        DJANGO_SECRET_KEY="short",
        DJANGO_DEBUG="true",
    )
    assert result.returncode == 1
    assert "factcheck.E001" in result.stderr
    assert "factcheck.E002" in result.stderr


def test_production_deploy_check_is_clean_with_a_real_secret(tmp_path):
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        tmp_path=tmp_path,
        DJANGO_SETTINGS_MODULE="factcheck.settings.production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="factcheck.example.org",
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_a_bad_allow_hosts_entry_is_a_system_check_error(tmp_path):
    result = manage("check", tmp_path=tmp_path, FACTCHECK_FETCH_ALLOW_HOSTS="intranet-no-port")
    assert result.returncode == 1
    assert "factcheck.E003" in result.stderr


@pytest.mark.parametrize(
    ("url", "db", "expected"),
    [
        ("redis://127.0.0.1:6379/0", 1, "redis://127.0.0.1:6379/1"),
        ("redis://127.0.0.1:6379", 4, "redis://127.0.0.1:6379/4"),
        (
            "redis://:pw@cache:6380/9?ssl_cert_reqs=none",
            10,
            "redis://:pw@cache:6380/10?ssl_cert_reqs=none",
        ),
    ],
)
def test_the_cache_goes_on_another_redis_db_of_the_same_server(url, db, expected):
    assert redis_url_with_db(url, db) == expected


def test_redis_db_numbers_and_password_redaction():
    assert redis_db_number("redis://127.0.0.1:6379/7") == 7
    assert redis_db_number("redis://127.0.0.1:6379") == 0
    assert redact_url("postgres://u:secret@db/x") == "postgres://u:***@db/x"
