"""Embedded mode's ``var/`` fills up: a small tmpfs stands for it (mounted by the test, which
needs root; skipped otherwise). The file-system broker and SQLite, as the settings configure
them, refuse with a clear error, keep everything written before intact, and work again once
there is room."""

from __future__ import annotations

import contextlib
import subprocess
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from kombu import Connection
from kombu.exceptions import ChannelError

from factcheck.settings.base import DATABASES as EMBEDDED_DATABASES
from tests.reliability.conftest import SERVICES_MODE

pytestmark = pytest.mark.skipif(
    SERVICES_MODE, reason="embedded mode only: services mode keeps nothing in var/"
)


@pytest.fixture
def small_disk(tmp_path):
    mount = tmp_path / "var"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here (needs root): {done.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], timeout=30, check=False)


def _fill(disk: Path) -> Path:
    """Take every byte left on ``disk``; the file returned gives it back when deleted."""
    filler = disk / "filler"
    with filler.open("wb", buffering=0) as handle, contextlib.suppress(OSError):
        while True:
            handle.write(b"\0" * 4096)
    return filler


def _broker(disk: Path) -> Connection:
    folder = str(disk / "broker")
    return Connection(
        "fsq://",
        transport_options={
            "data_folder_in": folder,
            "data_folder_out": folder,
            "processed_folder": str(disk / "processed"),
            # kombu's default is ./control, in the checkout: keep it on the test's disk.
            "control_folder": str(disk / "control"),
            "store_processed": False,
        },
    )


def test_the_broker_refuses_a_message_on_a_full_disk_and_loses_none_sent_before(small_disk):
    (small_disk / "broker").mkdir()
    (small_disk / "processed").mkdir()
    (small_disk / "control").mkdir()
    with _broker(small_disk) as conn:
        queue = conn.SimpleQueue(f"disk-{uuid.uuid4().hex[:6]}")
        queue.put({"n": 1})
        filler = _fill(small_disk)
        with pytest.raises(ChannelError, match="Cannot add file"):
            queue.put({"n": 2, "pad": "x" * 8192})
        # No half-written message where a worker would read it.
        names = [p.name for p in (small_disk / "broker").iterdir()]
        assert len([n for n in names if n.endswith(".msg")]) == 1, names
        filler.unlink()
        queue.put({"n": 3})
        got = [queue.get(timeout=5).payload["n"] for _ in range(2)]
        queue.close()
    assert got == [1, 3]


def test_sqlite_refuses_a_write_on_a_full_disk_and_keeps_what_was_committed(
    small_disk, django_db_blocker
):
    from django.db.backends.sqlite3.base import DatabaseWrapper

    params = {
        **EMBEDDED_DATABASES["default"],
        "NAME": str(small_disk / "db.sqlite3"),
        "TIME_ZONE": None,
        "CONN_MAX_AGE": 0,
        "CONN_HEALTH_CHECKS": False,
        "AUTOCOMMIT": True,
        "ATOMIC_REQUESTS": False,
    }
    assert params["ENGINE"] == "django.db.backends.sqlite3", "embedded mode's settings"
    db = DatabaseWrapper(params, alias="disk-full")
    # A database of its own, not the test database: pytest-django's guard lets it through.
    with django_db_blocker.unblock():
        _fill_and_recover(db, small_disk)
    assert settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"


def _fill_and_recover(db, small_disk: Path) -> None:
    from django.db import OperationalError

    try:
        with db.cursor() as cursor:
            cursor.execute("CREATE TABLE note (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
            cursor.execute("INSERT INTO note (body) VALUES (%s)", ["kept"])
        filler = _fill(small_disk)
        with (
            pytest.raises(OperationalError, match=r"disk is full|disk I/O error"),
            db.cursor() as cursor,
        ):
            for _ in range(2000):
                cursor.execute("INSERT INTO note (body) VALUES (%s)", ["x" * 4000])
        with db.cursor() as cursor:
            cursor.execute("PRAGMA integrity_check")
            assert cursor.fetchone()[0] == "ok"
        filler.unlink()
        with db.cursor() as cursor:
            cursor.execute("INSERT INTO note (body) VALUES (%s)", ["after"])
            cursor.execute("SELECT body FROM note WHERE body IN ('kept', 'after') ORDER BY id")
            assert [row[0] for row in cursor.fetchall()] == ["kept", "after"]
            cursor.execute("PRAGMA integrity_check")
            assert cursor.fetchone()[0] == "ok"
    finally:
        db.close()
