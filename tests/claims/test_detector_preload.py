"""A worker that takes the ingest queue loads the language detector before its pool forks (its
pool processes share the model instead of each loading it on a first article); a worker for
other queues never loads it. Real ``celery worker`` processes, embedded mode in a folder of
the test's own."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

from tests.processes import embedded_env, group_start, group_stop

LOADED = "language detector loaded before the pool starts"


def _worker_log(tmp_path: Path, *queue_args: str) -> str:
    """Start a prefork worker with these queue options, wait until it is ready, stop it; its
    log."""
    env = embedded_env(tmp_path / "var")
    log_path = tmp_path / "worker.log"
    with log_path.open("w") as log:
        process = group_start(
            [
                *(sys.executable, "-m", "celery", "-A", "factcheck", "worker", *queue_args),
                *("--pool", "prefork", "--concurrency", "2", "--loglevel", "INFO"),
            ],
            env=env,
            log=log,
        )
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and process.poll() is None:
                if " ready." in log_path.read_text():
                    break
                time.sleep(0.2)
        finally:
            group_stop(process)
    output = log_path.read_text()
    assert " ready." in output, f"the worker did not get ready:\n{output[-3000:]}"
    return output


@pytest.mark.timeout(120)
@pytest.mark.parametrize("queue_args", [("--queues", "default,ingest"), ()])
def test_a_worker_that_ingests_loads_the_detector_before_its_pool(tmp_path, queue_args):
    output = _worker_log(tmp_path, *queue_args)
    assert LOADED in output
    # Before the pool's processes exist: the worker says it is ready once they do.
    assert output.index(LOADED) < output.index(" ready.")


@pytest.mark.timeout(120)
def test_a_worker_for_other_queues_does_not_load_it(tmp_path):
    output = _worker_log(tmp_path, "--queues", "links,mail")
    assert LOADED not in output
