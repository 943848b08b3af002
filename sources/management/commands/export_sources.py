"""``manage.py export_sources [PATH|-] [--bom]``: write every source as CSV (the import
format, README "Sources registry"); to standard output without PATH or with ``-``."""

from __future__ import annotations

import io

from django.core.management.base import BaseCommand

from sources import csv_format, selectors
from sources.models import Source


class Command(BaseCommand):
    help = "Export the sources registry as CSV (re-importable with import_sources)."

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", default="-", help="the file to write ('-': stdout)")
        parser.add_argument(
            "--bom", action="store_true", help="start with a byte-order mark (for spreadsheets)"
        )

    def handle(self, *args, path: str = "-", bom=False, **options):
        # The operator's own export: every source (the registry has no per-user visibility
        # beyond "the desk may view it").
        sources = list(selectors.sources_for_export(queryset=Source.objects.all()))
        rows = (csv_format.source_row(source) for source in sources)
        if path == "-":
            stream = io.StringIO()
            csv_format.write(rows, stream, bom=bom)
            self.stdout.write(stream.getvalue(), ending="")
            return
        with open(path, "w", encoding="utf-8", newline="") as stream:
            csv_format.write(rows, stream, bom=bom)
        count = len(sources)
        self.stderr.write(f"Wrote {count} source{'s' if count != 1 else ''} to {path}.")
