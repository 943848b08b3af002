"""scripts/restore-drill backs the database up, restores the backup into a new database and
proves the copy serves a reader page and a staff page: in embedded mode (SQLite backup) on a
freshly migrated database, and in services mode (pg_dump/pg_restore) when DATABASE_URL is
set."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.db import connection

from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parents[2]
DRILL = ROOT / "scripts" / "restore-drill"


def _env(**extra) -> dict:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "BROKER_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(extra)
    return env


def _manage(var_dir: Path, *args: str) -> None:
    env = _env(
        FACTCHECK_VAR_DIR=str(var_dir),
        DJANGO_SETTINGS_MODULE="factcheck.settings.local",
        DJANGO_SUPERUSER_PASSWORD="drill-Pass-4821",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr


def _drill(env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(DRILL)], env=env, cwd=ROOT, capture_output=True, text=True, timeout=300
    )


def test_embedded_mode_backs_up_restores_and_serves_both_pages(tmp_path):
    var_dir = tmp_path / "var"
    var_dir.mkdir()
    _manage(var_dir, "migrate", "--noinput")
    env = _env(FACTCHECK_VAR_DIR=str(var_dir))

    # Without an admin account in the copy the staff page cannot be proved: a clear failure.
    refused = _drill(env)
    assert refused.returncode == 1
    assert "FAILED: fetching pages of the copy failed" in refused.stderr
    assert "no active admin (staff) account" in refused.stderr
    assert "reader page / : 200" in refused.stdout

    _manage(var_dir, "createsuperuser", "--noinput", "--username", "drill", "--email", "d@x.org")
    source = var_dir / "db.sqlite3"
    before = source.read_bytes()
    drilled = _drill(env)
    assert drilled.returncode == 0, drilled.stderr
    out = drilled.stdout
    assert "backed up" in out and "restored the backup into" in out
    assert "System check identified no issues" in out
    assert "reader page / : 200" in out
    assert "staff page /review/ as 'drill': 200" in out
    assert "passed (embedded mode)" in out
    # The drill reads the source only, and leaves no scratch copy behind.
    assert source.read_bytes() == before
    assert not list(Path(os.environ.get("TMPDIR", "/tmp")).glob("factcheck-restore-drill-*/var"))


def test_a_missing_database_is_a_clear_failure(tmp_path):
    result = _drill(_env(FACTCHECK_VAR_DIR=str(tmp_path / "nothing")))
    assert result.returncode == 1
    assert "FAILED: no SQLite database at" in result.stderr


@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL"), reason="services mode: DATABASE_URL is not set"
)
@pytest.mark.django_db(transaction=True)
def test_services_mode_dumps_restores_into_a_new_database_and_drops_it():
    UserFactory(username="drill-admin", is_staff=True, is_superuser=True)
    # The test database (migrated, with the committed admin) is the one drilled.
    parts = urlsplit(os.environ["DATABASE_URL"])
    name = settings.DATABASES["default"]["NAME"]
    url = urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))
    drilled = _drill(_env(DATABASE_URL=url))
    assert drilled.returncode == 0, drilled.stderr
    out = drilled.stdout
    assert "pg_dump -Fc" in out and "pg_restore" in out
    assert f"restored the backup into {name}_drill_" in out
    assert "staff page /review/ as 'drill-admin': 200" in out
    assert "passed (services mode)" in out
    with connection.cursor() as cursor:
        cursor.execute("SELECT datname FROM pg_database WHERE datname LIKE %s", [f"{name}_drill_%"])
        assert cursor.fetchall() == []
