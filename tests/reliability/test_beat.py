"""Beat started twice by mistake, and beat killed and started again: no periodic job is sent
twice in one period (factcheck/lib/beat.py). Real ``celery beat`` processes send to a Redis
server of the test's own, where the test counts the messages; they share the cache as the
deployment's beats would (a folder in embedded mode, Redis in services mode)."""

from __future__ import annotations

import contextlib
import math
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import redis

from factcheck.lib import beat
from tests.processes import group_start
from tests.reliability.conftest import wait_for
from tests.sources.test_link_worker import _kill

ROOT = Path(__file__).resolve().parents[2]
SKIPPED = "was already sent this period"


class Beats:
    """``celery beat`` processes of one deployment: same broker, cache and schedule."""

    def __init__(self, tmp_path: Path, redis_server, every: float):
        self.tmp_path = tmp_path
        self.broker = redis.Redis(port=redis_server.port)
        self.log = tmp_path / "beat.log"
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.reliability.beat_settings",
            "BROKER_URL": redis_server.url(),
            "FACTCHECK_TEST_CACHE": (
                f"beat-test-{uuid.uuid4().hex[:10]}"
                if os.environ.get("REDIS_URL")
                else str(tmp_path / "cache")
            ),
            "FACTCHECK_TEST_BEAT_EVERY": str(every),
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        }
        self.running: list[subprocess.Popen] = []

    def start(self, name: str = "beat") -> subprocess.Popen:
        handle = self.log.open("ab")
        process = group_start(
            [
                *(sys.executable, "-m", "celery", "-A", "factcheck", "beat", "--loglevel", "INFO"),
                *("--schedule", str(self.tmp_path / f"{name}-schedule")),
            ],
            env=self.env,
            log=handle,
        )
        self.running.append(process)
        return process

    def kill(self, process: subprocess.Popen) -> None:
        _kill(process)
        self.running.remove(process)

    def kill_all(self) -> None:
        for process in list(self.running):
            self.kill(process)

    def sent(self) -> int:
        """Messages beat sent (nobody consumes them here)."""
        return self.broker.llen("default")

    def skipped(self) -> int:
        return self.log.read_text(errors="replace").count(SKIPPED)


@pytest.fixture
def beats(tmp_path, redis_server):
    made: list[Beats] = []

    def make(every: float) -> Beats:
        made.append(Beats(tmp_path, redis_server, every))
        return made[-1]

    yield make
    for group in made:
        with contextlib.suppress(Exception):
            group.kill_all()


def test_the_scheduler_with_the_guard_is_the_configured_one():
    from factcheck.celery_app import app

    assert app.conf.beat_scheduler == "factcheck.lib.beat:SingleRunScheduler"
    assert issubclass(beat.SingleRunScheduler, __import__("celery").beat.PersistentScheduler)


@pytest.mark.timeout(120)
def test_two_beats_started_by_mistake_send_each_job_once_a_period(beats):
    every = 4.0
    group = beats(every)
    group.start("first")
    group.start("second")
    wait_for(group.sent, 60, "the first message of either beat", interval=0.05)
    first = time.monotonic()
    time.sleep(2.5 * every)
    group.kill_all()
    window = time.monotonic() - first
    sent = group.sent()
    log = group.log.read_text(errors="replace")
    # Each beat tried at start and about every 4 s: about twice as many tries as periods.
    assert group.skipped() >= 1, log[-3000:]
    # Sends are at least 90 % of a period apart whatever beat made them. The window starts
    # when the test saw the first message, which on a busy machine is up to a second after
    # beat sent it: that second is counted in. Two unguarded beats send about 6 times here.
    seen_late = 1.0
    most = math.floor((window + seen_late) / (beat.SHARE * every)) + 1
    assert 2 <= sent <= most, (sent, window, log[-3000:])


@pytest.mark.timeout(150)
def test_a_beat_killed_and_restarted_twice_within_a_period_sends_a_job_once(beats):
    # A beat's schedule file is saved every 3 minutes and when it stops cleanly; killed just
    # after a send, it loses that send, and the beat started after it finds the job due at
    # once. (24 s stands for the minute of the heartbeat and the sweeps: the first send comes
    # one period after the start.)
    every = 24.0
    group = beats(every)
    first = group.start()
    wait_for(group.sent, 90, "the first message", interval=0.05)
    sent_at = time.monotonic()
    group.kill(first)
    for restart in (1, 2):
        process = group.start()
        wait_for(lambda n=restart: group.skipped() >= n, 60, f"restart {restart}'s first tick")
        group.kill(process)
    elapsed = time.monotonic() - sent_at
    assert elapsed < beat.SHARE * every, f"restarts took {elapsed:.1f} s: the test proves nothing"
    assert group.sent() == 1, group.log.read_text(errors="replace")[-3000:]
