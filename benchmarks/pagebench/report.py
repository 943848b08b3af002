"""What the pages benchmark prints: the header (machine, versions, data, seeding), each
scenario's measured run with its latencies and the CPU it cost, and the closing table."""

from __future__ import annotations

import asyncio
import os
import platform
import sys
import time
from datetime import UTC, datetime

from .config import DB_NAME, SETTINGS
from .load import REQUEST_TIMEOUT, drain, drive, percentile
from .scenarios import Scenario
from .seed import SIZES, bench_db
from .server import cpu_seconds, machine_busy, postgres_backend_pids, worker_pids


def print_header(command: str, args, reused: bool, times: dict[str, float]) -> None:
    """The run's circumstances; ``times`` are ``seed.build_database``'s."""
    print("Pages benchmark (benchmarks/pages.py)")
    print(f"Command : {command}")
    print(f"Date    : {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    print(f"Machine : {platform.platform()} | {platform.machine()} | CPUs: {os.cpu_count()}")
    print(f"Python  : {sys.version.split()[0]} ({platform.python_implementation()})")
    with bench_db() as conn:
        pg_version = conn.execute("SHOW server_version").fetchone()[0]
        sizes = dict(
            zip(
                SIZES,
                conn.execute(
                    "SELECT " + ", ".join(f"({sql})" for sql in SIZES.values())
                ).fetchone(),
                strict=True,
            )
        )
        db_size = conn.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        db_size = db_size.fetchone()[0]
    import gunicorn

    print(f"Postgres: {pg_version} (database {DB_NAME}, {db_size}) | Redis cache db 10")
    print(f"Server  : gunicorn {gunicorn.__version__}, {args.workers} sync workers, settings "
          f"{SETTINGS} (production + plain-HTTP cookies)")  # fmt: skip
    print("Data    : " + ", ".join(f"{v:,} {k}" for k, v in sizes.items()))
    if reused:
        print(f"Seeding : reused the existing database (migrate: {times['migrate']:.1f} s)")
    else:
        print(
            f"Seeding : {times['total']:.1f} s in all (create + migrate {times['migrate']:.1f}"
            f" s, generate + COPY {times['copy']:.1f} s, VACUUM ANALYZE "
            f"{times['vacuum']:.1f} s)"
        )
    print(
        f"Load    : open loop from 127.0.0.1, one asyncio process, {args.warmup:g} s warm-up"
        f" + {args.duration:g} s per scenario, {REQUEST_TIMEOUT:g} s deadline per request;"
        f" load average at start {' '.join(f'{v:.2f}' for v in os.getloadavg())}"
    )
    print()


def run_scenario(scenario: Scenario, port: int, cookie: str | None, master: int, args):
    drain(port)
    print(f"{scenario.name}: {scenario.rate:g} requests/s, {scenario.describe}")
    asyncio.run(drive(port, scenario.paths, cookie, scenario.rate, args.warmup))
    load_before = os.getloadavg()[0]
    pids = worker_pids(master) + postgres_backend_pids()
    cpu_before = cpu_seconds(pids)
    busy_before = machine_busy()
    own_before = time.process_time()
    wall_before = time.perf_counter()
    result = asyncio.run(drive(port, scenario.paths, cookie, scenario.rate, args.duration))
    wall = time.perf_counter() - wall_before
    own = time.process_time() - own_before
    busy_after = machine_busy()
    cpu_after = cpu_seconds(pids)
    server_cpu = sum(cpu_after[p] - cpu_before.get(p, 0.0) for p in cpu_after)
    machine = (busy_after[0] - busy_before[0]) / max(1, busy_after[1] - busy_before[1])
    n = len(result.latencies)
    ms = [v * 1000 for v in result.latencies]
    errors = sum(result.errors.values())
    achieved = n / max(1e-9, result.last_end - result.first_start)
    info = {
        "p50": percentile(ms, 50),
        "p95": percentile(ms, 95),
        "p99": percentile(ms, 99),
        "errors": errors,
        "achieved": achieved,
    }
    info["ok"] = info["p95"] <= scenario.target_ms and errors == 0
    print(
        f"  n={n} sent at {scenario.rate:g}/s, achieved {achieved:.1f}/s | "
        f"p50 {info['p50']:.1f} ms, p95 {info['p95']:.1f} ms, p99 {info['p99']:.1f} ms, "
        f"max {max(ms):.1f} ms | errors {errors}"
        + (f" {result.errors}" if errors else "")
        + f" | {result.bytes / max(1, n - errors) / 1024:.0f} KB/response"
        + (
            f" | reader cache: {result.reader_cache.get('hit', 0)} hits, "
            f"{result.reader_cache.get('miss', 0)} misses"
            if result.reader_cache
            else ""
        )
    )
    print(
        f"  CPU: generator {100 * own / wall:.0f} % of a core; gunicorn + its PostgreSQL "
        f"backends {1000 * server_cpu / max(1, n):.1f} ms per request; machine "
        f"{100 * machine:.0f} % busy; load average {load_before:.2f} -> {os.getloadavg()[0]:.2f}"
        f" | target p95 <= {scenario.target_ms:g} ms: {'met' if info['ok'] else 'MISSED'}"
    )
    return result, info


def print_table(rows: list[tuple]) -> None:
    """One line per scenario: ``(scenario, result, info)``, result None when not measured."""
    print()
    print("| scenario | target | rate sent/achieved | n | p50 | p95 | p99 | errors | result |")
    print("|---|---|---|---|---|---|---|---|---|")
    for scenario, result, info in rows:
        if result is None:
            target = f"p95 ≤ {scenario.target_ms:g} ms at {scenario.rate:g}/s"
            print(f"| {scenario.name} | {target} | - | - | - | - | - | - | not measured |")
            continue
        print(
            f"| {scenario.name} | p95 ≤ {scenario.target_ms:g} ms at {scenario.rate:g}/s "
            f"| {scenario.rate:g}/{info['achieved']:.1f} | {len(result.latencies)} "
            f"| {info['p50']:.1f} | {info['p95']:.1f} | {info['p99']:.1f} | {info['errors']} "
            f"| {'baseline' if scenario.baseline else 'met' if info['ok'] else 'MISSED'} |"
        )
