"""Render every published page into the reader cache: ``manage.py warm_reader_cache``.

Run it after a deploy or a cache flush so readers' first visits are cache hits; publishing
renders its own pages (the ``reader.pages_prerender`` job). ``--shard I/N`` lets N
processes share the work (``for i in 0 1; do manage.py warm_reader_cache --shard $i/2 & done``).
"""

from __future__ import annotations

import time

from django.core.exceptions import DisallowedHost
from django.core.management.base import BaseCommand, CommandError

from reader.prerender import reader_pages_prerender


def _shard(value: str) -> tuple[int, int]:
    try:
        index, count = (int(part) for part in value.split("/"))
    except ValueError:
        raise CommandError(f"--shard takes I/N, e.g. 0/2 (got {value!r})") from None
    if count < 1 or not 0 <= index < count:
        raise CommandError(f"--shard {value}: need 0 <= I < N")
    return index, count


class Command(BaseCommand):
    help = "Render every published claim and article page (and the home page) into the cache."

    def add_arguments(self, parser):
        parser.add_argument("--shard", default="0/1", help="I/N: render every N-th page from I.")

    def handle(self, *args, shard: str, **options):
        started = time.perf_counter()
        try:
            done = reader_pages_prerender(shard=_shard(shard))
        except DisallowedHost as exc:
            raise CommandError(
                f"{exc}: set FACTCHECK_SITE_URL to the reader site's public address"
            ) from None
        elapsed = time.perf_counter() - started
        self.stdout.write(
            f"{done.pages} pages rendered into the reader cache in {elapsed:.1f} s"
            + (f" ({done.pages / elapsed:.0f} pages/s)" if elapsed and done.pages else "")
            + (f"; {done.failed} could not be rendered" if done.failed else "")
        )
