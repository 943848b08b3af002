"""Scale-out benchmark: link checks and ingestion by 1, 2 and 4 separate worker processes.

Run from the repository root, with a PostgreSQL server named by ``DATABASE_URL`` (required:
the benchmark makes its own databases ``fc_scale_<run>_*`` on that server and drops them)::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python benchmarks/scale.py                          # both brokers, ~25 min
    DATABASE_URL=... .venv/bin/python benchmarks/scale.py --broker redis \\
        --links 600 --articles 40 --workers 1,2                      # smoke run, < 1 minute

What it does, for each broker (``--broker redis|amqp|both``; Redis db ``--redis-db`` (14) as
the broker and the next db as the cache, or RabbitMQ at ``--amqp-url`` with Redis still the
cache):

* starts the link benchmark's local HTTP hosts (``benchmarks/linkcheck.py``'s ``Site``, one
  threaded server per loopback address 127.0.0.1 ... 127.0.0.``--hosts``) with its URL mix
  (60 % 200, redirects, 404/410/500/429, 5 % hanging past the fetch deadline, one link in ten
  failing its first check once); the hosts answer after ``--latency`` (20 ms) and the
  politeness interval is ``--interval`` (0 s), so that the workers, not the hosts, are what
  limits the rate (the link benchmark measures politeness; this one measures scale-out);
* migrates a template database and seeds ``--links`` (10,000) due links in it; each round
  gets a fresh copy (``CREATE DATABASE ... TEMPLATE``), so every round starts alike;
* per worker count N in ``--workers`` (1,2,4): starts N separate ``celery -A factcheck
  worker`` processes (``--concurrency 1`` each, own node name, no gossip or mingle: as N
  machines would), all on one broker and one PostgreSQL, under the production settings
  (``benchmarks/pagebench/settings.py``); waits until every one answers a ping; then
  - links: the sweeper (``sources.services.links_sweep``, beat's job, called here every
    ``--sweep-every`` second) sends the due links in host-grouped batches to the ``links``
    queue; the round ends when every link has a result. No link may have more than one
    ``LinkCheck`` row (checked twice in one round);
  - ingestion: ``--articles`` (1,000) texts of about ``--article-bytes`` (4 KB) built from
    the ClaimBuster sentences (``../shared/data``, as ``benchmarks/ingest.py`` builds them)
    are submitted through ``claims.services.article_ingest_submit`` with the inline limit
    set below their size, so each is an ``IngestJob`` on the ``ingest`` queue; the round
    ends when every job is done. Every job must be done, each article stored once.
* prints one row per broker, workload and worker count: items/s and the speed-up over one
  worker, with the load average (the machine may be shared) and the exact command, and under
  it the CPU seconds that the workers, this process, the broker's server and PostgreSQL spent
  during the round (from /proc: where a second worker's time goes on a small machine).

Target (exit 0, else 1): no link checked twice and no article stored twice in any round,
every job done, and 2 workers >= 1.6x one worker's rate for each workload and broker. Four
workers are measured and printed but not held to a target: this machine has 2 cores, shared
by the workers, PostgreSQL, the broker and the local hosts, so 4 processes cannot run 4x.
Exit 2 when it cannot run (no ``DATABASE_URL``, a broker or the data missing).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

# Helpers of the other benchmarks (this script's folder is on the path): the link
# benchmark's local hosts and URL mix, the ingest benchmark's article texts, the pages
# benchmark's production-like environment (pagebench.settings).
from ingest import CLAIMBUSTER, build_text
from linkcheck import Site, cpu_seconds, make_urls
from pagebench.server import bench_environment

ROOT = Path(__file__).resolve().parents[1]
TARGET_SPEEDUP_2 = 1.6
DEFAULT_AMQP = "amqp://guest:guest@127.0.0.1:5672/fc_scale"


# ------------------------------------------------------------------ PostgreSQL


class PgServer:
    """The server of ``DATABASE_URL``: databases made, copied and dropped by name."""

    def __init__(self, url: str):
        import dj_database_url

        parts = dj_database_url.parse(url)
        self.params = {
            "host": parts["HOST"] or "127.0.0.1",
            "port": int(parts["PORT"] or 5432),
            "user": parts["USER"] or "postgres",
            "password": parts["PASSWORD"] or None,
        }

    def url(self, name: str) -> str:
        p = self.params
        auth = p["user"] + (f":{p['password']}" if p["password"] else "")
        return f"postgres://{auth}@{p['host']}:{p['port']}/{name}"

    def sql(self, statement: str, dbname: str = "postgres") -> list[tuple]:
        import psycopg

        with psycopg.connect(dbname=dbname, autocommit=True, **self.params) as conn:
            cursor = conn.execute(statement)
            return cursor.fetchall() if cursor.description else []

    def create(self, name: str, template: str | None = None) -> str:
        self.sql(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
        return self.url(name)

    def drop(self, name: str) -> None:
        self.sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def use_database(name: str) -> None:
    """Point this process's Django connection at another database of the same server."""
    from django.db import connection

    connection.close()
    connection.settings_dict["NAME"] = name


# ------------------------------------------------------------------ processes


def start_celery(env: dict, arguments: list[str], log: Path) -> subprocess.Popen:
    """``celery -A factcheck <arguments>`` in a session of its own (stopped by its group)."""
    with log.open("ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "factcheck", *arguments],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    process.log_path = log
    return process


def stop_process(process: subprocess.Popen, grace: float = 30) -> None:
    """SIGTERM to the process group this script started (warm shutdown), then SIGKILL."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    except ProcessLookupError:
        pass


def worker_arguments(queues: str, name: str, concurrency: int = 1) -> list[str]:
    return [
        "worker",
        "--pool",
        "prefork",
        "--concurrency",
        str(concurrency),
        "--queues",
        queues,
        "--hostname",
        name,
        "--loglevel",
        "WARNING",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
    ]


def wait_for_workers(names: list[str], processes: list[subprocess.Popen], limit: float = 120):
    """Until every named worker answers a broadcast ping (it consumes its queues by then)."""
    from factcheck.celery_app import app

    waiting, deadline = set(names), time.monotonic() + limit
    while waiting:
        for process in processes:
            if process.poll() is not None:
                tail = process.log_path.read_text(errors="replace")[-1500:]
                raise RuntimeError(f"a worker exited while starting: {tail}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"workers did not answer within {limit:.0f} s: {sorted(waiting)}")
        for reply in app.control.ping(timeout=1.0) or []:
            waiting -= set(reply)


def amqp_vhost_ensure(amqp_url: str) -> None:
    """Create the benchmark's own RabbitMQ vhost (and the URL's user's rights on it) when
    the server does not have it yet, with ``rabbitmqctl`` (as on the development machines);
    without ``rabbitmqctl`` say what to run."""
    from urllib.parse import unquote, urlsplit

    parts = urlsplit(amqp_url)
    vhost = unquote(parts.path[1:]) if len(parts.path) > 1 else "/"
    if vhost == "/":
        return
    ctl = shutil.which("rabbitmqctl")
    if ctl is None:
        raise SystemExit(
            f"RabbitMQ vhost {vhost!r} is needed: rabbitmqctl add_vhost {vhost} && "
            f"rabbitmqctl set_permissions -p {vhost} {parts.username or 'guest'} '.*' '.*' '.*'"
        )
    listed = subprocess.run(
        [ctl, "-q", "list_vhosts"], capture_output=True, text=True, check=True
    ).stdout.split()
    if vhost not in listed:
        subprocess.run([ctl, "-q", "add_vhost", vhost], check=True)
        user = parts.username or "guest"
        subprocess.run(
            [ctl, "-q", "set_permissions", "-p", vhost, user, ".*", ".*", ".*"], check=True
        )
        print(f"  made RabbitMQ vhost {vhost!r} for user {user!r}", flush=True)


def broker_environment(broker: str, redis_db: int, amqp_url: str) -> dict[str, str]:
    if broker == "amqp":
        amqp_vhost_ensure(amqp_url)
    redis_base = "redis://127.0.0.1:6379"
    return {
        "REDIS_URL": f"{redis_base}/{redis_db}",
        "REDIS_CACHE_URL": f"{redis_base}/{redis_db + 1}",
        "BROKER_URL": amqp_url if broker == "amqp" else "",
    }


def broker_reset(env: dict[str, str]) -> None:
    """Empty this benchmark's own broker and cache: its two Redis databases (broker and
    cache) and, on RabbitMQ, the project's queues in its own vhost."""
    import redis

    for key in ("REDIS_URL", "REDIS_CACHE_URL"):
        redis.Redis.from_url(env[key]).flushdb()
    if env.get("BROKER_URL"):
        from factcheck.celery_app import app

        app.control.purge()


def machine_line() -> str:
    return (
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}"
    )


# ------------------------------------------------------------------ where the CPU goes


def server_pid(name: str) -> int | None:
    """The oldest process of this name (the server, not its helpers), if it runs here."""
    found = subprocess.run(["pgrep", "-o", "-x", name], capture_output=True, text=True)
    return int(found.stdout.split()[0]) if found.returncode == 0 else None


class CpuMeter:
    """CPU seconds spent during a round by the workers, this process (the sweeper or the
    submitter), the broker's server and the PostgreSQL server, from /proc."""

    def __init__(self, broker: str, workers: list[subprocess.Popen]):
        self.parts = {"workers": lambda: sum(cpu_seconds(w.pid, reaped=True) for w in workers)}
        self.parts["benchmark"] = lambda: sum(os.times()[:4])
        for part, name in (
            ("broker", "beam.smp" if broker == "amqp" else "redis-server"),
            ("postgres", "postgres"),
        ):
            pid = server_pid(name)
            if pid is not None:
                self.parts[part] = lambda pid=pid: cpu_seconds(pid, reaped=True)
        self.start = {part: read() for part, read in self.parts.items()}

    def spent(self) -> dict[str, float]:
        return {part: round(read() - self.start[part], 1) for part, read in self.parts.items()}


# ------------------------------------------------------------------ one broker (child)


def run_broker(args: argparse.Namespace) -> dict:
    """Every round on one broker; runs in a process of its own (Django set up once)."""
    server = PgServer(os.environ["DATABASE_URL"])
    run = uuid.uuid4().hex[:6]
    template = f"fc_scale_{run}_{args.broker}_template"
    folder = Path(tempfile.mkdtemp(prefix="fc-scale-"))
    sites = [
        Site(f"127.0.0.{n + 1}", args.latency, hang=args.timeout * 2.5).start()
        for n in range(args.hosts)
    ]
    urls, _flaky = make_urls(sites, args.links, args.seed)
    env = {
        **os.environ,
        **bench_environment(folder / "var"),
        **broker_environment(args.broker, args.redis_db, args.amqp_url),
        "DATABASE_URL": server.create(template),
        "FACTCHECK_FETCH_ALLOW_HOSTS": ",".join(f"{s.address}:{s.port}" for s in sites),
        "FACTCHECK_FETCH_TOTAL_TIMEOUT": str(args.timeout),
        "FACTCHECK_FETCH_READ_TIMEOUT": str(args.timeout),
        "FACTCHECK_FETCH_CONNECT_TIMEOUT": str(args.timeout),
        "FACTCHECK_LINK_PER_HOST_CONCURRENCY": "2",
        "FACTCHECK_LINK_PER_HOST_INTERVAL": str(args.interval),
        "FACTCHECK_LINK_BATCH_SIZE": str(args.batch_size),
        "FACTCHECK_LINK_BATCH_PER_HOST": str(args.batch_per_host),
        "FACTCHECK_LINK_MAX_IN_FLIGHT": str(len(urls)),
        # Every submitted text goes to the ingest queue, as a large one would.
        "FACTCHECK_INGEST_INLINE_MAX_BYTES": "256",
        "FACTCHECK_LOG_LEVEL": "WARNING",
    }
    os.environ.update(env)
    rounds: list[dict] = []
    try:
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
            cwd=ROOT,
            env=env,
            check=True,
            timeout=600,
        )
        import django

        django.setup()
        from sources.models import Link

        Link.objects.bulk_create(
            [Link(url=url, host=url.split("/")[2].rsplit(":", 1)[0]) for url in urls],
            batch_size=1000,
        )
        paragraphs = build_text(args.articles * args.article_bytes, seed=args.seed).split("\n\n")
        per_article = max(1, len(paragraphs) // args.articles)
        texts = [
            "\n\n".join(paragraphs[i * per_article : (i + 1) * per_article])
            for i in range(args.articles)
        ]
        use_database("postgres")  # the template must have no session open when copied
        for workload in args.workloads:
            for count in args.workers:
                name = f"fc_scale_{run}_{args.broker}_{workload}_{count}"
                env["DATABASE_URL"] = server.create(name, template=template)
                use_database(name)
                for site in sites:
                    site.failed_once.clear()
                    site.requests = 0
                try:
                    row = one_round(args, env, workload, count, folder, server, name, texts)
                except RuntimeError as exc:  # reported in the table; the next round goes on
                    row = {"error": str(exc), "ok": False, "items": 0, "rate": 0.0}
                finally:
                    use_database("postgres")
                    server.drop(name)
                row.update(broker=args.broker, workload=workload, workers=count)
                rounds.append(row)
                print(json.dumps(row), file=sys.stderr, flush=True)  # progress
    finally:
        for site in sites:
            site.stop()
        server.drop(template)
        if args.keep_logs:
            print(f"worker logs kept in {folder}", file=sys.stderr)
        else:
            shutil.rmtree(folder, ignore_errors=True)
    return {"rounds": rounds}


def one_round(args, env, workload, count, folder, server, dbname, texts) -> dict:
    queues = "links,default" if workload == "links" else "ingest"
    broker_reset(env)
    names = [f"scale-{args.broker}-{workload}-{count}-{i}@127.0.0.1" for i in range(count)]
    workers = [
        start_celery(env, worker_arguments(queues, name), folder / f"{name}.log") for name in names
    ]
    load_before = os.getloadavg()[0]
    try:
        wait_for_workers(names, workers)
        meter = CpuMeter(args.broker, workers)
        if workload == "links":
            elapsed, items, checks = links_round(args, server, dbname)
        else:
            elapsed, items, checks = ingest_round(args, server, dbname, texts)
        cpu = meter.spent()
    finally:
        for worker in workers:
            stop_process(worker)
    return {
        "cpu": cpu,
        "items": items,
        "seconds": round(elapsed, 2),
        "rate": round(items / elapsed, 2),
        "load": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        **checks,
    }


def links_round(args, server: PgServer, dbname: str) -> tuple[float, int, dict]:
    from sources import services

    def unchecked() -> int:
        q = "SELECT COUNT(*) FROM sources_link WHERE last_checked_at IS NULL"
        return server.sql(q, dbname)[0][0]

    total = server.sql("SELECT COUNT(*) FROM sources_link", dbname)[0][0]
    started = time.monotonic()
    last_sweep = -args.sweep_every
    while unchecked():
        now = time.monotonic()
        if now - started > args.round_limit:
            raise RuntimeError(f"links: gave up after {args.round_limit:.0f} s")
        if now - last_sweep >= args.sweep_every:
            services.links_sweep()
            last_sweep = now
        time.sleep(0.1)
    elapsed = time.monotonic() - started
    twice, checks = server.sql(
        "SELECT COUNT(*) FILTER (WHERE n > 1), COALESCE(SUM(n), 0) FROM "
        "(SELECT link_id, COUNT(*) AS n FROM sources_linkcheck GROUP BY link_id) per_link",
        dbname,
    )[0]
    return elapsed, total, {"checked_twice": twice, "checks": int(checks), "ok": twice == 0}


def ingest_round(args, server: PgServer, dbname: str, texts: list[str]) -> tuple[float, int, dict]:
    from claims.services import article_ingest_submit

    started = time.monotonic()
    for n, text in enumerate(texts):
        article_ingest_submit(title=f"Scale article {n:05d}", text=text)
    submitted = time.monotonic() - started
    q = "SELECT COUNT(*) FROM claims_ingestjob WHERE state IN ('done', 'failed')"
    while server.sql(q, dbname)[0][0] < len(texts):
        if time.monotonic() - started > args.round_limit:
            raise RuntimeError(f"ingest: gave up after {args.round_limit:.0f} s")
        time.sleep(0.2)
    elapsed = time.monotonic() - started
    done, failed, articles, twice, claims = server.sql(
        "SELECT (SELECT COUNT(*) FROM claims_ingestjob WHERE state = 'done'),"
        " (SELECT COUNT(*) FROM claims_ingestjob WHERE state = 'failed'),"
        " (SELECT COUNT(*) FROM claims_article),"
        " (SELECT COUNT(*) FROM (SELECT title FROM claims_article GROUP BY title"
        "  HAVING COUNT(*) > 1) d),"
        " (SELECT COUNT(*) FROM claims_claim)",
        dbname,
    )[0]
    checks = {
        "done": done,
        "failed": failed,
        "articles": articles,
        "stored_twice": twice,
        "claims": claims,
        "submit_seconds": round(submitted, 2),
        "ok": done == len(texts) and failed == 0 and twice == 0 and articles == len(texts),
    }
    return elapsed, len(texts), checks


# ------------------------------------------------------------------ parent


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--broker", choices=("redis", "amqp", "both"), default="both")
    parser.add_argument("--workers", default="1,2,4", help="worker counts, comma-separated")
    parser.add_argument("--workloads", default="links,ingest", help="links, ingest or both")
    parser.add_argument("--links", type=int, default=10_000)
    parser.add_argument("--hosts", type=int, default=200, help="127.0.0.1 ... 127.0.0.N")
    parser.add_argument("--latency", type=float, default=0.02, help="hosts' answer delay (s)")
    parser.add_argument("--interval", type=float, default=0.0, help="per-host interval (s)")
    parser.add_argument("--timeout", type=float, default=1.0, help="fetch deadline (s)")
    parser.add_argument("--batch-size", type=int, default=200)
    parser.add_argument("--batch-per-host", type=int, default=25)
    parser.add_argument("--sweep-every", type=float, default=1.0)
    parser.add_argument("--articles", type=int, default=1_000)
    parser.add_argument("--article-bytes", type=int, default=4_000)
    parser.add_argument("--round-limit", type=float, default=900, help="seconds per round")
    parser.add_argument("--redis-db", type=int, default=14, help="broker db; cache: the next")
    parser.add_argument("--amqp-url", default=DEFAULT_AMQP)
    parser.add_argument("--seed", type=int, default=20261207)
    parser.add_argument("--keep-logs", action="store_true")
    args = parser.parse_args(argv)
    args.workers = [int(n) for n in args.workers.split(",") if n]
    args.workloads = [w for w in args.workloads.split(",") if w]
    return args


def print_table(rows: list[dict]) -> list[str]:
    """The table; returns the targets missed."""
    missed = []
    print(
        f"{'workload':<8} {'broker':<6} {'workers':>7} {'items':>6} {'seconds':>8} "
        f"{'items/s':>8} {'x 1':>5}  {'load':>9}  checks"
    )
    base = {}
    for row in rows:
        key = (row["workload"], row["broker"])
        label = f"{row['workload']}/{row['broker']}/{row['workers']} workers"
        if "error" in row:
            print(f"{row['workload']:<8} {row['broker']:<6} {row['workers']:>7}  failed: "
                  + row["error"][:1500])  # fmt: skip
            missed.append(f"{label}: did not run to the end")
            continue
        if row["workers"] == 1:
            base[key] = row["rate"]
        speedup = row["rate"] / base[key] if key in base else float("nan")
        row["speedup"] = round(speedup, 2)
        if row["workload"] == "links":
            detail = f"{row['checks']} checks, {row['checked_twice']} links checked twice"
        else:
            detail = (
                f"{row['done']} done, {row['failed']} failed, {row['articles']} articles, "
                f"{row['stored_twice']} stored twice, {row['claims']} claims, "
                f"submitted in {row['submit_seconds']:.1f} s"
            )
        print(
            f"{row['workload']:<8} {row['broker']:<6} {row['workers']:>7} {row['items']:>6} "
            f"{row['seconds']:>8.1f} {row['rate']:>8.1f} {speedup:>5.2f}  "
            f"{row['load'][0]:>4.1f}>{row['load'][1]:<4.1f}  {detail}"
        )
        print(
            " " * 10
            + "CPU seconds: "
            + ", ".join(f"{part} {seconds:.1f}" for part, seconds in row["cpu"].items())
            + f" (of {row['seconds'] * (os.cpu_count() or 1):.0f} on {os.cpu_count()} CPUs)"
        )
        if not row["ok"]:
            missed.append(f"{label}: work done twice or not done")
        if row["workers"] == 2 and speedup < TARGET_SPEEDUP_2:
            missed.append(f"{label}: {speedup:.2f}x one worker (target >= {TARGET_SPEEDUP_2}x)")
    return missed


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    if not os.environ.get("DATABASE_URL"):
        print(
            "DATABASE_URL is required (a PostgreSQL server, e.g. postgres://postgres@127.0.0.1:5432/postgres)"
        )
        return 2
    if not CLAIMBUSTER.exists() and "ingest" in args.workloads:
        print(f"missing data file: {CLAIMBUSTER}")
        return 2
    if args.broker != "both" and os.environ.get("FC_SCALE_CHILD"):
        print(json.dumps(run_broker(args)))
        return 0
    brokers = ["redis", "amqp"] if args.broker == "both" else [args.broker]
    rows, failed = [], []
    started = time.monotonic()
    print("Scale-out: separate worker processes on one broker and one PostgreSQL")
    print(f"  command: DATABASE_URL=... .venv/bin/python benchmarks/scale.py {' '.join(argv)}")
    print(f"  machine: {machine_line()}, load average {os.getloadavg()[0]:.2f} at the start")
    for broker in brokers:
        child_argv = [a for a in argv if not a.startswith("--broker")]
        if "--broker" in argv:
            at = argv.index("--broker")
            child_argv = argv[:at] + argv[at + 2 :]
        done = subprocess.run(
            [sys.executable, __file__, *child_argv, "--broker", broker],
            env={**os.environ, "FC_SCALE_CHILD": "1"},
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
            check=False,
        )
        if done.returncode != 0 or not done.stdout.strip():
            print(f"  {broker}: the run failed (exit {done.returncode}):")
            print(done.stdout[-2000:])
            failed.append(broker)
            continue
        rows += json.loads(done.stdout.strip().splitlines()[-1])["rounds"]
    print(
        f"  setup:   {args.links} links on {args.hosts} hosts ({args.latency * 1000:.0f} ms "
        f"per answer, per host 2 in flight, {args.interval:g} s apart, batches of "
        f"{args.batch_size}/{args.batch_per_host} per host); {args.articles} articles of "
        f"~{args.article_bytes} bytes; workers --concurrency 1 each"
    )
    missed = print_table(rows) + [f"{broker}: the run failed" for broker in failed]
    print(
        f"  took {time.monotonic() - started:.0f} s; load average at the end "
        f"{os.getloadavg()[0]:.2f}; 4 workers have no target (2 cores)"
    )
    if missed:
        print("Targets missed: " + "; ".join(missed))
        return 1
    print("Every target is met.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
