"""Write every published fact-check as schema.org ClaimReview JSON-LD, one object per claim,
for fact-check aggregators: ``manage.py export_claimreview [--output PATH] [--base-url URL]``."""

from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.management.base import BaseCommand

from reader.claimreview import published_reviews


class Command(BaseCommand):
    help = "Write all published reviews as ClaimReview JSON-LD (a JSON array, one per claim)."

    def add_arguments(self, parser):
        parser.add_argument("--output", "-o", help="File to write (default: standard output).")
        parser.add_argument(
            "--base-url",
            default=None,
            help="The reader site's public address (default: FACTCHECK_SITE_URL).",
        )

    def handle(self, *args, output=None, base_url=None, **options):
        base = base_url or settings.FACTCHECK_SITE_URL
        reviews = [review for review, _ in published_reviews(user=AnonymousUser(), base_url=base)]
        text = json.dumps(reviews, ensure_ascii=False, indent=2) + "\n"
        if output and output != "-":
            Path(output).write_text(text, encoding="utf-8")
            self.stderr.write(f"{len(reviews)} ClaimReview objects written to {output}.")
        else:
            self.stdout.write(text, ending="")
