"""``manage.py extract_claims PATH``: print every sentence with its score; no database."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from claims import languages, nlp, services
from claims.extraction import SUPPORTED_EXTENSIONS

_STDIN_NAMES = {"text": "stdin.txt", "markdown": "stdin.md", "html": "stdin.html"}


class Command(BaseCommand):
    help = (
        "Split a .txt/.md/.html file ('-' for standard input) into sentences and score them, "
        "without touching the database. JSON: a list of {start, end, text, score, is_claim}; "
        "score is null when the language has no check-worthiness model. The language used is "
        "written to standard error."
    )
    requires_system_checks: list = []

    def add_arguments(self, parser):
        parser.add_argument("path", help="a .txt, .md, .html or .htm file, or '-' for stdin")
        parser.add_argument("--format", choices=["json", "text"], default="json")
        parser.add_argument(
            "--input-format",
            choices=["auto", "text", "markdown", "html"],
            default="auto",
            help="what the input holds (auto: by extension; stdin: HTML if it looks like it)",
        )
        parser.add_argument(
            "--language",
            default="",
            help="the text's language (a BCP-47 tag such as es); detected if omitted",
        )

    def handle(self, *args, path: str, **options):
        try:
            if path == "-":
                data = sys.stdin.buffer.read(services.max_ingest_bytes() + 1)
                _refuse_if_too_large(path, data)
                kind = options["input_format"]
                if kind == "auto":
                    head = data.lstrip()[:100].lower()
                    kind = "html" if head.startswith((b"<!doctype html", b"<html")) else "text"
                filename = _STDIN_NAMES[kind]
            else:
                source = Path(path)
                if not source.is_file():
                    raise CommandError(f"{path}: no such file.")
                with source.open("rb") as handle:
                    data = handle.read(services.max_ingest_bytes() + 1)
                _refuse_if_too_large(path, data)
                filename = source.name
                kind = options["input_format"]
                if kind != "auto":
                    filename = _STDIN_NAMES[kind]
                elif source.suffix.lower() not in SUPPORTED_EXTENSIONS:
                    filename = source.name  # let the service explain what is supported
            prepared = services.text_prepare(file_bytes=data, filename=filename)
            try:
                language = languages.language_normalize(options["language"])
            except ValidationError as exc:
                raise CommandError(" ".join(exc.messages)) from None
            how = "given"
            if not language:
                language, how = (
                    services.article_language_detect(title=prepared.title, text=prepared.text),
                    "detected",
                )
            sentences = services.text_analyse(prepared.text, language=language)
        except services.IngestError as exc:
            raise CommandError(str(exc)) from None
        scored = "" if nlp.has_model(language) else "; no check-worthiness model: not scored"
        self.stderr.write(f"language: {language} ({how}{scored})")
        rows = [
            {
                "start": s.start,
                "end": s.end,
                "text": s.text,
                "score": round(s.score, 4) if s.score is not None else None,
                "is_claim": s.is_claim,
            }
            for s in sentences
        ]
        if options["format"] == "json":
            self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2))
            return
        for row in rows:
            mark = "CLAIM" if row["is_claim"] else "     "
            text = row["text"].replace("\n", " ")
            score = f"{row['score']:.2f}" if row["score"] is not None else "   -"
            self.stdout.write(f"{row['start']:>7}-{row['end']:<7} {score} {mark} {text}")


def _refuse_if_too_large(name: str, data: bytes) -> None:
    limit = services.max_ingest_bytes()
    if len(data) > limit:
        raise CommandError(
            f"{name}: larger than the {services.human_size(limit)} limit "
            "(FACTCHECK_INGEST_MAX_BYTES)."
        )
