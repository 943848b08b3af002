"""The beat guard's lock (factcheck/lib/beat.py) in embedded mode: the file-based cache checks
then writes, so the guard takes its key under an OS lock. Beats in separate processes asking
for the same period at the same moment: exactly one gets it."""

from __future__ import annotations

import multiprocessing

import pytest
from celery.schedules import schedule
from django.test import override_settings

from factcheck.lib.beat import period_claim

BEATS = 8
ROUNDS = 5


def _claim(barrier, results, name: str) -> None:
    barrier.wait(timeout=20)
    results.put(period_claim(name, schedule(run_every=60)))


@pytest.mark.timeout(120)
def test_beats_asking_at_the_same_moment_get_one_run_a_period(tmp_path):
    cache = {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache"}
    with override_settings(CACHES={"default": {**cache, "LOCATION": str(tmp_path / "cache")}}):
        fork = multiprocessing.get_context("fork")
        for round_ in range(ROUNDS):
            name = f"sources.links_sweep.{round_}"
            barrier, results = fork.Barrier(BEATS), fork.Queue()
            beats = [
                fork.Process(target=_claim, args=(barrier, results, name)) for _ in range(BEATS)
            ]
            for beat in beats:
                beat.start()
            claimed = [results.get(timeout=30) for _ in beats]
            for beat in beats:
                beat.join(timeout=30)
            assert claimed.count(True) == 1, f"round {round_}: {claimed.count(True)} beats sent it"
            # The period's key is there for the next tick to find.
            assert not period_claim(name, schedule(run_every=60))
