"""``manage.py import_factchecks PATH_OR_URL [--publisher NAME]``: import other organisations'
fact-checks from ClaimReview markup (a DataFeed, an array, one object, or a page's JSON-LD)."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from claims.services.factchecks import (
    FactCheckImportError,
    factchecks_import,
    factchecks_import_url,
    import_max_bytes,
)

# How many refused items are listed (all are counted).
SHOWN_PROBLEMS = 50


class Command(BaseCommand):
    help = (
        "Import fact-checks from ClaimReview JSON: a schema.org DataFeed, a JSON array, a "
        "single ClaimReview, '-' for standard input, or the http(s) address of a fact-check "
        "page or feed (fetched through the guarded fetcher). Re-importing updates in place."
    )

    def add_arguments(self, parser):
        parser.add_argument("source", help="a file path, '-' for standard input, or a URL")
        parser.add_argument(
            "--publisher", default="", help="publisher name for items that name none"
        )

    def handle(self, *args, source: str, publisher: str, **options):
        started = time.perf_counter()
        try:
            if source.startswith(("http://", "https://")):
                report = factchecks_import_url(url=source, publisher=publisher)
            else:
                if source == "-":
                    data = sys.stdin.buffer.read(import_max_bytes() + 1)
                else:
                    path = Path(source)
                    if not path.is_file():
                        raise CommandError(f"{source}: no such file.")
                    data = (
                        path.read_bytes()
                        if path.stat().st_size <= import_max_bytes()
                        else (path.open("rb").read(import_max_bytes() + 1))
                    )
                report = factchecks_import(data=data, publisher=publisher)
        except FactCheckImportError as exc:
            raise CommandError(str(exc)) from None
        for problem in report.problems[:SHOWN_PROBLEMS]:
            self.stderr.write(f"refused {problem}")
        if len(report.problems) > SHOWN_PROBLEMS:
            self.stderr.write(f"... and {len(report.problems) - SHOWN_PROBLEMS} more refused")
        elapsed = time.perf_counter() - started
        self.stdout.write(f"{report.summary()} in {elapsed:.1f} s")
