"""Benchmark evidence snapshots (issue 19): snapshots per second and storage per snapshot.

Run from the repository root::

    .venv/bin/python benchmarks/snapshots.py              # about a minute
    .venv/bin/python benchmarks/snapshots.py --pages 400

A local HTTP server on 127.0.0.1 serves ``--pages`` article pages built from ClaimBuster
sentences (``../shared/data/claimbuster/train.json``): 80 % HTML articles of 20-60 KB with
navigation and footer around the text, 10 % plain text, 10 % PDFs of a few pages (made with
pypdf at start), every answer after ``--latency`` (50 ms). In a process of its own on a
scratch embedded database (SQLite file and snapshot folder in a temporary directory), side
by side on the same pages, one after the other:

* **baseline**: the capture alone (``sources.snapshot_content.capture``: the guarded GET a
  snapshot makes, no extraction, no storage);
* **snapshots**: ``sources.services.snapshots.snapshot_take`` for a pending snapshot of
  each page (capture, kind, main text, gzip body, WARC file, storage, the row).

Both run ``--concurrency`` (4) at a time in threads, as a worker's pool would. It prints
pages/s for each, the snapshot's own cost per page (extraction, compression, WARC and
storage), and storage per snapshot (gzip body + WARC) against the page's size.

Targets: at least 10 snapshots/s per process, and storage per snapshot no larger than the
page itself (the two files are compressed). Exit 0 when met, 1 when missed, 2 when it
cannot run.
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CLAIMBUSTER = ROOT.parent / "shared" / "data" / "claimbuster" / "train.json"
MIN_SNAPSHOTS_PER_SECOND = 10.0
MAX_STORAGE_RATIO = 1.0


def _pdf(paragraphs: list[str]) -> bytes:
    """A PDF of a few pages carrying the paragraphs' text (pypdf, no other tool)."""
    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

    writer = PdfWriter()
    for paragraph in paragraphs:
        page = writer.add_blank_page(width=612, height=792)
        lines = [paragraph[i : i + 80] for i in range(0, len(paragraph), 80)][:40]
        ops = ["BT", "/F1 10 Tf", "12 TL", "40 750 Td"]
        for line in lines:
            safe = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
            ops.append(f"({safe}) Tj T*")
        ops.append("ET")
        stream = DecodedStreamObject()
        stream.set_data("\n".join(ops).encode("latin-1", "replace"))
        font = DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Font"),
                NameObject("/Subtype"): NameObject("/Type1"),
                NameObject("/BaseFont"): NameObject("/Helvetica"),
            }
        )
        page[NameObject("/Resources")] = DictionaryObject(
            {NameObject("/Font"): DictionaryObject({NameObject("/F1"): font})}
        )
        page[NameObject("/Contents")] = writer._add_object(stream)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def build_pages(count: int, seed: int) -> dict[str, tuple[str, bytes]]:
    """``{path: (content type, body)}``, deterministic."""
    sentences = [row["text"] for row in json.loads(CLAIMBUSTER.read_text())]
    rng = random.Random(seed)
    pages: dict[str, tuple[str, bytes]] = {}
    for n in range(count):
        paragraphs = [
            " ".join(rng.choice(sentences) for _ in range(6)) for _ in range(rng.randint(25, 70))
        ]
        roll = n % 10
        if roll == 8:
            pages[f"/notes/{n}.txt"] = (
                "text/plain; charset=utf-8",
                "\n\n".join(paragraphs).encode(),
            )
        elif roll == 9:
            pages[f"/reports/{n}.pdf"] = ("application/pdf", _pdf(paragraphs[:4]))
        else:
            nav = "".join(f'<li><a href="/section/{i}">Section {i}</a></li>' for i in range(30))
            body = "".join(f"<p>{p}</p>" for p in paragraphs)
            html = (
                f"<!doctype html><html><head><title>Story {n}</title></head><body>"
                f"<nav><ul>{nav}</ul></nav><article><h1>Story {n}</h1>{body}</article>"
                f"<footer>{nav}</footer></body></html>"
            )
            pages[f"/news/{n}.html"] = ("text/html; charset=utf-8", html.encode())
    return pages


def serve(pages: dict[str, tuple[str, bytes]], latency: float) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):
            time.sleep(latency)
            found = pages.get(self.path)
            if found is None:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            content_type, body = found
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Last-Modified", "Mon, 07 Dec 2026 10:00:00 GMT")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def child(args) -> int:
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from sources import snapshot_content as content
    from sources.fetching import FetchConfig
    from sources.models import Link, Snapshot
    from sources.services.snapshots import snapshot_storage, snapshot_take

    call_command("migrate", verbosity=0, interactive=False)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # a line per request otherwise
    pages = build_pages(args.pages, args.seed)
    server = serve(pages, args.latency)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    settings.FACTCHECK_FETCH_ALLOW_HOSTS = [f"127.0.0.1:{server.server_address[1]}"]
    urls = [base + path for path in pages]
    page_bytes = sum(len(body) for _, body in pages.values())
    config = FetchConfig.from_settings()

    def capture(url: str) -> None:
        content.capture(url, max_bytes=settings.FACTCHECK_SNAPSHOT_MAX_BYTES, config=config)

    started = time.perf_counter()
    with ThreadPoolExecutor(args.concurrency) as pool:
        list(pool.map(capture, urls))
    baseline_s = time.perf_counter() - started

    from django.utils import timezone

    now = timezone.now()
    rows = [
        Snapshot.objects.create(
            link=Link.objects.create(url=url, host="127.0.0.1"), url=url, requested_at=now
        )
        for url in urls
    ]

    def take(pk: int):
        from django.db import connection

        try:
            return snapshot_take(snapshot_id=pk)
        finally:
            connection.close()

    started = time.perf_counter()
    with ThreadPoolExecutor(args.concurrency) as pool:
        list(pool.map(take, [row.pk for row in rows]))
    snapshots_s = time.perf_counter() - started
    server.shutdown()

    done = list(Snapshot.objects.filter(state=Snapshot.State.DONE))
    failed = Snapshot.objects.exclude(state=Snapshot.State.DONE).count()
    storage = snapshot_storage()
    stored = [storage.size(s.body_name) + storage.size(s.warc_name) for s in done if s.body_name]
    by_kind = {
        kind: sum(1 for s in done if s.kind == kind) for kind in ("html", "text", "pdf", "other")
    }
    texts = [len(s.text) for s in done]
    rate = len(urls) / snapshots_s
    base_rate = len(urls) / baseline_s
    per_page = page_bytes / len(urls)
    per_snapshot = statistics.fmean(stored) if stored else float("inf")
    print(f"pages: {len(urls)} ({page_bytes / 1e6:.1f} MB, {per_page / 1024:.1f} KB a page), "
          f"latency {args.latency * 1000:.0f} ms, {args.concurrency} at a time")  # fmt: skip
    print("| run | pages/s | seconds | per page |")
    print("|---|---|---|---|")
    print(f"| baseline: capture only | {base_rate:.1f} | {baseline_s:.1f} | "
          f"{baseline_s / len(urls) * 1000:.1f} ms |")  # fmt: skip
    print(f"| snapshots (capture, text, gzip, WARC, storage, row) | {rate:.1f} | "
          f"{snapshots_s:.1f} | {snapshots_s / len(urls) * 1000:.1f} ms |")  # fmt: skip
    print(f"snapshots done {len(done)}, not done {failed}; kinds {by_kind}; "
          f"text kept {statistics.fmean(texts) / 1024:.1f} KB a snapshot")  # fmt: skip
    print(f"storage per snapshot (gzip body + WARC): {per_snapshot / 1024:.1f} KB, "
          f"{per_snapshot / per_page:.2f} of the page's size")  # fmt: skip
    met = (
        failed == 0
        and rate >= MIN_SNAPSHOTS_PER_SECOND
        and per_snapshot / per_page <= MAX_STORAGE_RATIO
    )
    verdict = "met" if met else "MISSED"
    print(f"targets: >= {MIN_SNAPSHOTS_PER_SECOND:.0f} snapshots/s, storage <= "
          f"{MAX_STORAGE_RATIO:.1f}x the page, none failed: {verdict}")  # fmt: skip
    return 0 if met else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--seed", type=int, default=20261207)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args)
    if not CLAIMBUSTER.exists():
        print(f"cannot run: missing {CLAIMBUSTER}", file=sys.stderr)
        return 2
    print(f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {platform.node()} "
          f"({platform.machine()}, {os.cpu_count()} CPUs), Python {platform.python_version()}, "
          f"load {os.getloadavg()[0]:.1f}")  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="snapshots-bench-") as scratch:
        env = {**os.environ, "PYTHONPATH": str(ROOT),
               "DJANGO_SETTINGS_MODULE": "factcheck.settings.local",
               "FACTCHECK_VAR_DIR": scratch,
               "FACTCHECK_SNAPSHOT_DIR": str(Path(scratch) / "snapshots")}  # fmt: skip
        env.pop("DATABASE_URL", None)
        env.pop("REDIS_URL", None)
        forwarded = [f"--pages={args.pages}", f"--latency={args.latency}",
                     f"--concurrency={args.concurrency}", f"--seed={args.seed}"]  # fmt: skip
        done = subprocess.run([sys.executable, __file__, "--child", *forwarded], env=env, cwd=ROOT)
    return done.returncode if done.returncode in (0, 1) else 2


if __name__ == "__main__":
    sys.exit(main())
