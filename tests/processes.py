"""Commands run by tests as real processes (``make run``, ``celery worker``): in embedded mode
in a folder of the test's own, each in a process group of its own so stopping it reaches
every child."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parents[1]


def group_start(command: list[str], *, env: dict[str, str], log: IO) -> subprocess.Popen:
    """``command`` run from the repository's root in a process group of its own (a signal to
    the group reaches its children too), both output streams into ``log``."""
    return subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )


def embedded_env(var_dir: Path) -> dict[str, str]:
    """This environment in embedded mode (no PostgreSQL or Redis), the command's own default
    settings (local), and ``var_dir`` as its ``var/`` folder."""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env["FACTCHECK_VAR_DIR"] = str(var_dir)
    return env


def group_stop(process: subprocess.Popen) -> None:
    """SIGTERM to the process's group (started with ``start_new_session=True``), SIGKILL if it
    is not gone within 30 s."""
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
