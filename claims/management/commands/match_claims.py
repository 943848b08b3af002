"""``manage.py match_claims --jsonl [--limit N]``: "checked before?" for texts on stdin.

Reads JSON lines ``{"id": ..., "text": ...}`` and writes one line per input,
``{"id": ..., "matches": [{"url": ..., "kind": "own"|"external", "score": ...}, ...]}``,
best first (``claims.matching``): the external review's address, or the public address of
the desk's claim (its reviewer page while unpublished). A line that is not such an object
gets ``{"line": n, "error": ...}`` and the rest go on.
"""

from __future__ import annotations

import json
import sys

from django.core.management.base import BaseCommand, CommandError

from claims.matching import matches_for_text, matching_index


class Command(BaseCommand):
    help = "Match texts (JSON lines on standard input) against earlier fact-checks."

    def add_arguments(self, parser):
        parser.add_argument(
            "--jsonl",
            action="store_true",
            required=True,
            help="read JSON lines {id, text}; write JSON lines {id, matches}",
        )  # fmt: skip
        parser.add_argument("--limit", type=int, default=5, help="matches per text (5)")

    def handle(self, *args, limit: int, **options):
        if limit < 1:
            raise CommandError("--limit must be at least 1.")
        index = matching_index()
        out = self.stdout
        for number, line in enumerate(sys.stdin, start=1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
                if not isinstance(item, dict) or not isinstance(item.get("text"), str):
                    raise ValueError('expected an object with a "text" string')
            except ValueError as exc:
                out.write(json.dumps({"line": number, "error": str(exc)}))
                continue
            matches = matches_for_text(item["text"], limit=limit, index=index)
            out.write(
                json.dumps(
                    {
                        "id": item.get("id"),
                        "matches": [
                            {"url": m.url, "kind": m.kind, "score": m.score} for m in matches
                        ],
                    },
                    ensure_ascii=False,
                )
            )
