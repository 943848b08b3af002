"""``manage.py import_article PATH_OR_URL``: ingest one article from a file, stdin or a URL."""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from claims import services


class Command(BaseCommand):
    help = (
        "Ingest an article: a .txt/.md/.html file, '-' for text on standard input, or an "
        "http(s) URL (fetched now, through the same guarded fetcher as the web form)."
    )

    def add_arguments(self, parser):
        parser.add_argument("source", help="a file path, '-' for standard input, or a URL")
        parser.add_argument("--title", default="", help="the article's title")
        parser.add_argument("--author", default="")
        parser.add_argument("--url", default="", help="the original address of a file's article")
        parser.add_argument(
            "--format",
            choices=["text", "markdown", "html"],
            default="text",
            help="what standard input holds (files go by their extension)",
        )
        parser.add_argument(
            "--language",
            default="",
            help="the article's language (a BCP-47 tag such as es or pt-br); detected if omitted",
        )

    def handle(self, *args, source: str, title: str, author: str, url: str, **options):
        language = options["language"]
        try:
            if source.startswith(("http://", "https://")):
                result = services.article_fetch(url=source, title=title, language=language)
            elif source == "-":
                data = sys.stdin.buffer.read(services.max_ingest_bytes() + 1)
                _refuse_if_too_large(source, data)
                extension = {"text": ".txt", "markdown": ".md", "html": ".html"}[options["format"]]
                result = services.article_ingest(
                    title=title,
                    author=author,
                    url=url,
                    file_bytes=data,
                    filename=f"stdin{extension}",
                    language=language,
                )
            else:
                path = Path(source)
                if not path.is_file():
                    raise CommandError(f"{source}: no such file.")
                with path.open("rb") as handle:
                    data = handle.read(services.max_ingest_bytes() + 1)
                _refuse_if_too_large(source, data)
                result = services.article_ingest(
                    title=title,
                    author=author,
                    url=url,
                    file_bytes=data,
                    filename=path.name,
                    language=language,
                )
        except services.IngestError as exc:
            raise CommandError(str(exc)) from None
        article = result.article
        claims = article.claims.filter(is_orphaned=False).count()
        state = "created" if result.created else "already present"
        note = services.article_scoring_note(article)
        self.stdout.write(
            f"article {article.pk} {state}: {claims} claims ({article.title}"
            + (f"; {note}" if note else "")
            + ")"
        )


def _refuse_if_too_large(name: str, data: bytes) -> None:
    limit = services.max_ingest_bytes()
    if len(data) > limit:
        raise CommandError(
            f"{name}: larger than the {services.human_size(limit)} limit "
            "(FACTCHECK_INGEST_MAX_BYTES)."
        )
