"""The server side of the pages benchmark: gunicorn under ``pagebench.settings``, the reader
cache warmed by the project's management command, and the CPU the server's processes (and
the benchmark database's PostgreSQL backends) spend."""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterable
from pathlib import Path

from .config import DATABASE_URL, DB_NAME, REDIS_CACHE_URL, REDIS_URL, ROOT, SETTINGS
from .layout import WARM_READER_CACHE_COMMAND


def bench_environment(var_dir: Path) -> dict[str, str]:
    """The environment of gunicorn and of this process's Django."""
    return {
        "DJANGO_SETTINGS_MODULE": SETTINGS,
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(60),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DATABASE_URL": DATABASE_URL,
        "REDIS_URL": REDIS_URL,
        "REDIS_CACHE_URL": REDIS_CACHE_URL,
        "FACTCHECK_VAR_DIR": str(var_dir),
        # The generator's Host header: prerendered pages are keyed by the site's address.
        "FACTCHECK_SITE_URL": "http://127.0.0.1",
        # pagebench (the settings) lives in benchmarks/; the project itself in ROOT.
        "PYTHONPATH": os.pathsep.join([str(ROOT / "benchmarks"), str(ROOT)]),
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(env: dict[str, str], port: int, workers: int, log: Path) -> subprocess.Popen:
    command = [
        str(ROOT / ".venv" / "bin" / "gunicorn"),
        "factcheck.wsgi",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--access-logfile",
        str(log.with_suffix(".access.log")),
        "--error-logfile",
        str(log),
    ]
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited ({process.returncode}); see {log}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=5):
                return process
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("gunicorn did not answer within 60 s")


def stop_gunicorn(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def worker_pids(master: int) -> list[int]:
    pids = [master]
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == master:
                pids.append(int(entry.name))
    return pids


def postgres_backend_pids() -> list[int]:
    """PostgreSQL backends serving the benchmark database (their title names it)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if cmdline.startswith(b"postgres: ") and f" {DB_NAME} ".encode() in cmdline:
                pids.append(int(entry.name))
    return pids


def cpu_seconds(pids: Iterable[int]) -> dict[int, float]:
    tick = os.sysconf("SC_CLK_TCK")
    times = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        times[pid] = (int(fields[11]) + int(fields[12])) / tick
    return times


def machine_busy() -> tuple[float, float]:
    """(busy, total) jiffies of the whole machine, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


def warm_reader_cache(env: dict[str, str], processes: int = 2) -> None:
    """Prerender every published page (``manage.py warm_reader_cache``), as after a deploy;
    in production each publication renders its own pages."""
    import redis

    started = time.perf_counter()
    command = [str(ROOT / ".venv" / "bin" / "python"), "manage.py", WARM_READER_CACHE_COMMAND]
    runs = [
        subprocess.Popen(
            [*command, "--shard", f"{i}/{processes}"],
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for i in range(processes)
    ]
    outputs = [run.communicate()[0].strip() for run in runs]
    if any(run.returncode for run in runs):
        raise RuntimeError("warm_reader_cache failed: " + " | ".join(outputs))
    info = redis.Redis.from_url(REDIS_CACHE_URL).info("memory")
    print(
        f"reader cache warmed by {processes} processes in {time.perf_counter() - started:.1f} s "
        f"({' | '.join(outputs)}); Redis now uses {info['used_memory_human']} in all"
    )
