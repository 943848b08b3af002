"""``manage.py check_links [--due|--all|--url URL] [--sync]``: check watched links.

Without ``--sync`` the links are handed to the workers (the sweeper's way, politeness
grouped); with ``--sync`` they are checked here, in batches, and a summary is printed.
"""

from __future__ import annotations

from collections import Counter

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from sources import selectors, services
from sources.fetching import InvalidURL, normalize_url
from sources.models import Link


class Command(BaseCommand):
    help = "Check watched links now: the due ones (default), all of them, or one URL."

    def add_arguments(self, parser):
        which = parser.add_mutually_exclusive_group()
        which.add_argument("--due", action="store_true", help="links whose check is due (default)")
        which.add_argument("--all", action="store_true", help="every link, due or not")
        which.add_argument("--url", metavar="URL", help="one watched link")
        parser.add_argument(
            "--sync", action="store_true", help="check here and now instead of in the workers"
        )

    def handle(self, *args, due=False, all=False, url=None, sync=False, **options):
        if url:
            try:
                normalized = normalize_url(url)
            except InvalidURL as exc:
                raise CommandError(str(exc)) from None
            link = Link.objects.filter(url=normalized).first()
            if link is None:
                raise CommandError(
                    f"{normalized} is not a watched link (check_link checks any URL)."
                )
            ids = [link.pk]
            services.links_mark_due(link_ids=ids)
        elif all:
            services.links_mark_due()
            ids = None
        else:
            ids = None
        if not sync:
            sent = services.links_enqueue(link_ids=ids) if ids is not None else self._sweep_all()
            self.stdout.write(f"Enqueued {sent} link{'s' if sent != 1 else ''} for the workers.")
            return
        self._run_sync(ids)

    def _sweep_all(self) -> int:
        sent = 0
        while True:
            batch = services.links_sweep()
            if not batch:
                return sent
            sent += batch

    def _run_sync(self, ids: list[int] | None) -> None:
        cfg = services.JobSettings.from_settings()
        totals: Counter[str] = Counter()
        checked = 0
        one_url = ids is not None  # only these links: no refill from their hosts
        while True:
            if ids is not None:
                batch, ids = ids, []
            else:
                rows = selectors.links_due(
                    now=timezone.now(),
                    lease=cfg.lease,
                    per_host=cfg.per_host_cap,
                    limit=cfg.batch_size,
                )
                batch = [pk for pk, _ in rows]
            if not batch:
                break
            report = services.link_check_run(link_ids=batch, refill=not one_url)
            if not report.recorded:  # nothing claimable or nothing finished: stop
                break
            checked += report.recorded
            totals.update(report.outcomes)
            self.stdout.write(f"checked {checked} link{'s' if checked != 1 else ''} ...")
        summary = ", ".join(f"{outcome} {count}" for outcome, count in sorted(totals.items()))
        self.stdout.write(
            f"Checked {checked} link{'s' if checked != 1 else ''}: {summary or 'nothing due'}."
        )
