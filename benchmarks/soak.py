"""Soak run: readers and reviewers on gunicorn while link checks and ingestion run.

Run from the repository root, with a PostgreSQL server named by ``DATABASE_URL`` (required:
the run makes its own database ``fc_scale_soak_<run>`` there and drops it) and Redis on
127.0.0.1:6379 (db ``--redis-db``, 14, as the broker and the next one as the cache)::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python benchmarks/soak.py                       # 5 minutes of load, ~7 in all
    DATABASE_URL=... .venv/bin/python benchmarks/soak.py --seconds 20 --window 10   # smoke

What it does:

* migrates its database and seeds it through the project's services: a reviewer
  (``bench-reviewer-01``) and an editor, ``--articles`` (30) articles of about 6 KB built from
  the ClaimBuster sentences (``../shared/data``), ingested, and ``--publish`` (5) claims of each
  taken through review and published (reviewer's verdict, editor's approval); ``--links``
  (1,000) links on the link benchmark's local hosts (``benchmarks/linkcheck.py``'s ``Site``:
  10 loopback addresses, 200 ms answers, its URL mix, 2 in flight and 0.25 s apart per host);
* starts the production processes: gunicorn (``--web-workers``, 2 x CPUs + 1, sync) under
  the production settings served over plain HTTP (``benchmarks/pagebench``), one Celery
  worker on every queue (``--concurrency 2``) and one ``celery beat`` (the real schedule:
  the link sweep every minute); warms the reader cache (``manage.py warm_reader_cache``);
* while the load runs, a background stream: every 10 s ``--link-stream`` (100) links are
  made due again (the sweeper and the workers check them), and every ``--ingest-every``
  (15 s) an article of ``--ingest-bytes`` (30 KB) is submitted through
  ``article_ingest_submit`` with the inline limit below its size, so the worker ingests it;
* the load (the pages benchmark's open-loop generator, ``benchmarks/pagebench/load.py``; one
  asyncio process, the streams run side by side): readers at 180/s on published claim pages
  (Zipf-like popularity) and 20/s on the home page, reviewers (logged in) at 10/s on the
  queue and 10/s on claim pages of the workbench: 220 requests/s in all, for ``--seconds``
  (300) in windows of ``--window`` (30) s after ``--warmup`` (10) s not counted;
* after the warm-up and after each window: the resident memory (VmRSS, whole process trees)
  of gunicorn, the worker and beat.

Targets (exit 0, else 1): no error (anything but a 200, or a timeout after 10 s); p95 per
stream within the pages benchmark's targets for those pages (docs/benchmarks.md, "Pages
under load": public claim page 25 ms, home 100 ms, queue 150 ms, workbench claim page 50 ms);
web and worker memory at the end within 10 % of the start; every submitted article
ingested. Exit 2 when it cannot run (no ``DATABASE_URL``, no data, the server did not start).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

# Helpers of the other benchmarks (this script's folder is on the path).
from ingest import CLAIMBUSTER, build_text
from linkcheck import Site, make_urls, process_tree, status_kb
from pagebench.config import LOGIN_USER
from pagebench.layout import reader_claim_key
from pagebench.load import drive, login, percentile
from pagebench.seed import zipf_index
from pagebench.server import (
    bench_environment,
    free_port,
    start_gunicorn,
    stop_gunicorn,
    warm_reader_cache,
)
from scale import (
    PgServer,
    broker_environment,
    broker_reset,
    machine_line,
    start_celery,
    stop_process,
    wait_for_workers,
    worker_arguments,
)

ROOT = Path(__file__).resolve().parents[1]
ALL_QUEUES = "default,links,ingest,prerender,mail"
MEMORY_GROWTH = 0.10

# name, who, rate (requests/s), p95 target (s): the pages benchmark's targets for the pages.
STREAMS = [
    ("public claim page", "reader", 180, 0.025),
    ("public home", "reader", 20, 0.100),
    ("queue", "reviewer", 10, 0.150),
    ("claim page (workbench)", "reviewer", 10, 0.050),
]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=300, help="measured load (s)")
    parser.add_argument("--window", type=float, default=30, help="seconds per window")
    parser.add_argument("--warmup", type=float, default=10)
    parser.add_argument("--rate-scale", type=float, default=1.0, help="multiplies every rate")
    parser.add_argument("--articles", type=int, default=30)
    parser.add_argument("--publish", type=int, default=5, help="claims published per article")
    parser.add_argument("--links", type=int, default=1000)
    parser.add_argument("--hosts", type=int, default=10)
    parser.add_argument("--link-stream", type=int, default=100, help="links made due per 10 s")
    parser.add_argument("--ingest-every", type=float, default=15.0)
    parser.add_argument("--ingest-bytes", type=int, default=30_000)
    parser.add_argument("--web-workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    parser.add_argument("--worker-concurrency", type=int, default=2)
    parser.add_argument("--broker", choices=("redis", "amqp"), default="redis")
    parser.add_argument("--redis-db", type=int, default=14)
    parser.add_argument("--amqp-url", default="amqp://guest:guest@127.0.0.1:5672/fc_scale")
    parser.add_argument("--seed", type=int, default=20261207)
    return parser.parse_args(argv)


# ------------------------------------------------------------------ data


def seed(args, password: str, urls: list[str]) -> dict:
    """Users, articles with published claims, links: through the project's services."""
    from django.contrib.auth import get_user_model

    from claims import services
    from claims.models import Claim, RatingLevel
    from factcheck.lib.roles import EDITOR, REVIEWER, role_assign, roles_sync
    from sources.models import Link

    roles_sync()
    User = get_user_model()
    reviewer = User.objects.create_user(LOGIN_USER, password=password)
    role_assign(reviewer, REVIEWER)
    editor = User.objects.create_user("soak-editor", password=password)
    role_assign(editor, EDITOR)
    levels = list(RatingLevel.objects.filter(scale__is_active=True).order_by("pk"))
    paragraphs = build_text(args.articles * 6_000, seed=args.seed).split("\n\n")
    per = max(1, len(paragraphs) // args.articles)
    unchecked = services.NO_VERSION_CHECK
    for n in range(args.articles):
        text = "\n\n".join(paragraphs[n * per : (n + 1) * per])
        article = services.article_ingest(title=f"Soak article {n:03d}", text=text).article
        for i, claim in enumerate(article.claims.order_by("pk")[: args.publish]):
            services.claim_start_review(claim=claim, user=reviewer, version=unchecked)
            services.verdict_save(
                claim=claim,
                user=reviewer,
                rating=levels[(n + i) % len(levels)],
                summary=f"Soak verdict {n}.{i}: a summary a reader sees.",
                rationale="Written by benchmarks/soak.py to have published pages to read.",
                version=unchecked,
            )
            services.claim_submit_for_approval(claim=claim, user=reviewer, version=unchecked)
            services.claim_publish(claim=claim, user=editor, version=unchecked)
    Link.objects.bulk_create(
        [Link(url=url, host=url.split("/")[2].rsplit(":", 1)[0]) for url in urls],
        batch_size=1000,
    )
    claim_key = reader_claim_key()
    published = Claim.objects.filter(status=Claim.Status.PUBLISHED).order_by("pk")
    return {
        "public": [f"/claims/{claim_key(c) if claim_key else c.pk}/" for c in published],
        "claims": list(Claim.objects.order_by("pk").values_list("pk", flat=True)),
        "links": list(Link.objects.order_by("pk").values_list("pk", flat=True)),
        "texts": build_text(args.ingest_bytes * 40, seed=args.seed + 1).split("\n\n"),
    }


class Background(threading.Thread):
    """The link and ingestion streams: links made due again, articles submitted."""

    def __init__(self, args, data: dict):
        super().__init__(daemon=True)
        self.args, self.data = args, data
        self.stop_event = threading.Event()
        self.submitted = 0
        self.marked = 0
        self.errors: list[str] = []

    def run(self):
        from django.db import connection

        from claims.services import article_ingest_submit
        from sources.services import links_mark_due

        rng = random.Random(self.args.seed)
        texts, links = self.data["texts"], self.data["links"]
        last_ingest = last_links = 0.0
        try:
            while not self.stop_event.wait(0.5):
                now = time.monotonic()
                if now - last_links >= 10:
                    picked = rng.sample(links, min(self.args.link_stream, len(links)))
                    self.marked += links_mark_due(link_ids=picked)
                    last_links = now
                if now - last_ingest >= self.args.ingest_every:
                    start = rng.randrange(len(texts))
                    text, at = [], start
                    while sum(len(t) for t in text) < self.args.ingest_bytes:
                        text.append(texts[at % len(texts)])
                        at += 1
                    article_ingest_submit(
                        title=f"Soak stream {self.submitted:04d}", text="\n\n".join(text)
                    )
                    self.submitted += 1
                    last_ingest = now
        except Exception as exc:  # reported, and counted as a miss
            self.errors.append(f"{type(exc).__name__}: {exc}")
        finally:
            connection.close()


# ------------------------------------------------------------------ measuring


def rss_mb(pid: int) -> float:
    return sum(status_kb(p, "VmRSS") for p in process_tree(pid)) / 1024


def paths_for(stream: str, data: dict, rng: random.Random):
    public, claims = data["public"], data["claims"]
    if stream == "public claim page":
        return lambda i: public[zipf_index(rng, len(public))]
    if stream == "public home":
        return lambda i: "/" if i % 4 else f"/?page={1 + rng.randrange(3)}"
    if stream == "queue":
        return lambda i: f"/review/claims/?page={1 + rng.randrange(5)}"
    return lambda i: f"/review/claims/{claims[rng.randrange(len(claims))]}/"


async def one_window(port, cookie, data, seconds, rate_scale, rngs) -> dict:
    runs = [
        drive(
            port,
            paths_for(name, data, rngs[name]),
            cookie if who == "reviewer" else None,
            rate * rate_scale,
            seconds,
        )
        for name, who, rate, _ in STREAMS
    ]
    results = await asyncio.gather(*runs)
    return {name: result for (name, *_), result in zip(STREAMS, results, strict=True)}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    if not os.environ.get("DATABASE_URL"):
        print(
            "DATABASE_URL is required (a PostgreSQL server, e.g. postgres://postgres@127.0.0.1:5432/postgres)"
        )
        return 2
    if not CLAIMBUSTER.exists():
        print(f"missing data file: {CLAIMBUSTER}")
        return 2
    server = PgServer(os.environ["DATABASE_URL"])
    name = f"fc_scale_soak_{uuid.uuid4().hex[:6]}"
    folder = Path(tempfile.mkdtemp(prefix="fc-soak-"))
    sites = [Site(f"127.0.0.{n + 1}", 0.2, hang=5.0).start() for n in range(args.hosts)]
    urls, _flaky = make_urls(sites, args.links, args.seed)
    env = {
        **os.environ,
        **bench_environment(folder / "var"),
        **broker_environment(args.broker, args.redis_db, args.amqp_url),
        "DATABASE_URL": server.create(name),
        "FACTCHECK_FETCH_ALLOW_HOSTS": ",".join(f"{s.address}:{s.port}" for s in sites),
        "FACTCHECK_FETCH_TOTAL_TIMEOUT": "2",
        "FACTCHECK_LINK_PER_HOST_CONCURRENCY": "2",
        "FACTCHECK_LINK_PER_HOST_INTERVAL": "0.25",
        "FACTCHECK_INGEST_INLINE_MAX_BYTES": "1024",
        "FACTCHECK_LOG_LEVEL": "WARNING",
    }
    os.environ.update(env)
    processes: dict[str, subprocess.Popen] = {}
    background = None
    started = time.monotonic()
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
        broker_reset(env)
        password = secrets.token_urlsafe(16)
        t0 = time.monotonic()
        data = seed(args, password, urls)
        seeded = time.monotonic() - t0
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
            cwd=ROOT,
            env=env,
            check=True,
            timeout=300,
        )
        (folder / "var").mkdir(parents=True, exist_ok=True)
        processes["worker"] = start_celery(
            env,
            worker_arguments(ALL_QUEUES, "soak@127.0.0.1", args.worker_concurrency),
            folder / "worker.log",
        )
        processes["beat"] = start_celery(
            env,
            ["beat", "--schedule", str(folder / "beat-schedule"), "--loglevel", "WARNING"],
            folder / "beat.log",
        )
        wait_for_workers(["soak@127.0.0.1"], [processes["worker"]])
        warm_reader_cache(env)
        port = free_port()
        try:
            processes["web"] = start_gunicorn(env, port, args.web_workers, folder / "web.log")
        except RuntimeError as exc:
            print(f"could not start the server: {exc}")
            return 2
        cookie = login(port, password)
        print(
            f"Soak: seeded {len(data['public'])} published claims, {len(data['claims'])} "
            f"claims, {len(urls)} links in {seeded:.0f} s; web, worker and beat up",
            flush=True,
        )
        rngs = {s[0]: random.Random(f"{args.seed}-{s[0]}") for s in STREAMS}
        background = Background(args, data)
        background.start()
        asyncio.run(one_window(port, cookie, data, args.warmup, args.rate_scale, rngs))
        memory = [{k: rss_mb(p.pid) for k, p in processes.items()}]
        load = [os.getloadavg()[0]]
        checks_before = server.sql("SELECT COUNT(*) FROM sources_linkcheck", name)[0][0]
        windows = []
        elapsed = 0.0
        while elapsed < args.seconds - 0.5:
            seconds = min(args.window, args.seconds - elapsed)
            windows.append(
                asyncio.run(one_window(port, cookie, data, seconds, args.rate_scale, rngs))
            )
            elapsed += seconds
            memory.append({k: rss_mb(p.pid) for k, p in processes.items()})
            load.append(os.getloadavg()[0])
            print(
                f"  window {len(windows)}: "
                + ", ".join(
                    f"{k} p95 {percentile(r.latencies, 95) * 1000:.0f} ms"
                    for k, r in windows[-1].items()
                )
                + f"; RSS web {memory[-1]['web']:.0f} MB, worker {memory[-1]['worker']:.0f} MB;"
                f" load {load[-1]:.1f}",
                flush=True,
            )
        background.stop_event.set()
        background.join(timeout=30)
        checks = server.sql("SELECT COUNT(*) FROM sources_linkcheck", name)[0][0]
        deadline = time.monotonic() + 120  # the last submitted articles finish
        jobs = (0, 0, 0)
        while time.monotonic() < deadline:
            jobs = server.sql(
                "SELECT COUNT(*) FILTER (WHERE state = 'done'), "
                "COUNT(*) FILTER (WHERE state = 'failed'), COUNT(*) FROM claims_ingestjob",
                name,
            )[0]
            if jobs[0] + jobs[1] == jobs[2]:
                break
            time.sleep(1)
    finally:
        if background is not None:
            background.stop_event.set()
        if "web" in processes:
            stop_gunicorn(processes.pop("web"))
        for process in processes.values():
            stop_process(process)
        for site in sites:
            site.stop()
        from django.db import connection

        connection.close()
        server.drop(name)
        shutil.rmtree(folder, ignore_errors=True)

    return report(
        args, argv, windows, memory, load, checks - checks_before, jobs, background, started
    )


def report(args, argv, windows, memory, load, checks, jobs, background, started) -> int:
    print()
    print("Soak run (benchmarks/soak.py)")
    print(f"  command: DATABASE_URL=... .venv/bin/python benchmarks/soak.py {' '.join(argv)}")
    print(
        f"  machine: {machine_line()}; load average {load[0]:.2f} after the warm-up, "
        f"{max(load):.2f} at most, {load[-1]:.2f} at the end; broker {args.broker}"
    )
    missed = []
    print(f"  {'stream':<24} {'rate':>6} {'count':>7} {'errors':>6} {'p50':>7} {'p95':>7} "
          f"{'p99':>7} {'target':>7}")  # fmt: skip
    total = errors = 0
    for name, _who, rate, target in STREAMS:
        latencies = [x for w in windows for x in w[name].latencies]
        failed: dict[str, int] = {}
        for window in windows:
            for key, n in window[name].errors.items():
                failed[key] = failed.get(key, 0) + n
        total += len(latencies)
        errors += sum(failed.values())
        p95 = percentile(latencies, 95)
        print(
            f"  {name:<24} {rate * args.rate_scale:>5.0f}/s {len(latencies):>7} "
            f"{sum(failed.values()):>6} {percentile(latencies, 50) * 1000:>5.0f}ms "
            f"{p95 * 1000:>5.0f}ms {percentile(latencies, 99) * 1000:>5.0f}ms "
            f"{target * 1000:>5.0f}ms" + (f"  {failed}" if failed else "")
        )
        if p95 > target:
            missed.append(f"{name} p95 {p95 * 1000:.0f} ms > {target * 1000:.0f} ms")
    rate = errors / total if total else 1.0
    print(f"  errors: {errors} of {total} requests ({rate * 100:.3f} %, target 0)")
    if errors:
        missed.append(f"{errors} errors")
    for process in ("web", "worker", "beat"):
        first, last = memory[0][process], memory[-1][process]
        series = " ".join(f"{m[process]:.0f}" for m in memory)
        growth = (last - first) / first if first else 0.0
        print(
            f"  RSS {process:<6}: {first:.0f} MB -> {last:.0f} MB ({growth * 100:+.1f} %); "
            f"per window: {series}"
        )
        if process != "beat" and growth > MEMORY_GROWTH:
            missed.append(f"{process} memory {growth * 100:+.1f} % (target within 10 %)")
    done, failed, submitted = jobs
    print(
        f"  background: {checks} link checks recorded during the load "
        f"({checks / args.seconds:.1f}/s; {background.marked} links made due again); "
        f"{submitted} articles submitted, {done} ingested, {failed} failed"
    )
    if background.errors or failed or done != submitted:
        missed.append(f"background stream: {background.errors or f'{done}/{submitted} ingested'}")
    print(f"  took {time.monotonic() - started:.0f} s in all")
    if missed:
        print("Targets missed: " + "; ".join(missed))
        return 1
    print("Every target is met.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
