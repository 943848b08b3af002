"""``manage.py import_sources PATH [--dry-run] [--user USERNAME]``: import sources from CSV.

The same rules as the import page (README "Sources registry"): rows are matched by name, a
refused row refuses the whole file, and the import is one transaction. ``--dry-run`` prints
what each row would do and stores nothing. Audit events name ``--user`` (who must be allowed
to add and change sources) or, without it, the system.
"""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from sources import services
from sources.services.importing import CREATE, REFUSE, UNCHANGED, UPDATE

_VERBS = {CREATE: "create", UPDATE: "update", UNCHANGED: "unchanged", REFUSE: "REFUSED"}


class Command(BaseCommand):
    help = "Import sources from a CSV file (all rows or none); --dry-run only previews."

    def add_arguments(self, parser):
        parser.add_argument("path", help="the CSV file ('-' reads standard input)")
        parser.add_argument(
            "--dry-run", action="store_true", help="show what would happen; store nothing"
        )
        parser.add_argument("--user", metavar="USERNAME", help="who the audit log names")

    def handle(self, *args, path: str, dry_run=False, user=None, **options):
        actor = None
        if user:
            actor = get_user_model().objects.filter(username=user).first()
            if actor is None:
                raise CommandError(f"No user named {user!r}.")
        if path == "-":
            import sys

            data, name = sys.stdin.buffer.read(), "standard input"
        else:
            file = Path(path)
            if not file.is_file():
                raise CommandError(f"{path} is not a file.")
            data, name = file.read_bytes(), file.name
        try:
            report = services.sources_import(user=actor, data=data, filename=name, dry_run=dry_run)
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from None
        for error in report.errors:
            self.stderr.write(error)
        for row in report.rows:
            line = f"line {row.line}: {_VERBS[row.action]} {row.name or '(no name)'}"
            if row.reasons:
                line += " — " + "; ".join(row.reasons)
            elif row.action == UPDATE:
                line += " (" + ", ".join(field for field, *_ in row.change_lines) + ")"
            (self.stderr if row.action == REFUSE else self.stdout).write(line)
        counts = report.counts
        summary = (
            f"{counts[CREATE]} to create, {counts[UPDATE]} to update, "
            f"{counts[UNCHANGED]} unchanged, {counts[REFUSE]} refused."
        )
        if not report.ok:
            raise CommandError(f"Nothing imported: {summary}")
        if dry_run:
            self.stdout.write(f"Dry run, nothing stored: {summary}")
        else:
            self.stdout.write(self.style.SUCCESS(f"Imported: {summary}"))
