"""``manage.py extract_claims`` (no database) and ``manage.py import_article``."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from claims.models import Article
from tests.sources.httpserver import LocalHTTPServer, respond

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "claims" / "fixtures" / "demo" / "nato-troops-in-ukraine.txt"
DATA = Path(__file__).resolve().parent / "data"


def _stdin(monkeypatch, data: bytes) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))


def _run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


# ------------------------------------------------------------------------ extract_claims


@pytest.mark.django_db
def test_extract_claims_prints_every_sentence_with_exactly_the_agreed_keys(
    django_assert_num_queries,
):
    with django_assert_num_queries(0):
        rows = json.loads(_run("extract_claims", str(DEMO)))
    text = DEMO.read_text(encoding="utf-8").strip()
    assert len(rows) > 10
    for row in rows:
        assert set(row) == {"start", "end", "text", "score", "is_claim"}
        assert text[row["start"] : row["end"]] == row["text"]
        assert 0.0 <= row["score"] <= 1.0 and isinstance(row["is_claim"], bool)
    assert [r["start"] for r in rows] == sorted(r["start"] for r in rows)


@pytest.mark.django_db
def test_extract_claims_reads_standard_input(
    monkeypatch, keyword_scorer, django_assert_num_queries
):
    _stdin(monkeypatch, b"The city spent 4 million. Residents were unhappy.")
    with django_assert_num_queries(0):
        rows = json.loads(_run("extract_claims", "-"))
    assert rows == [
        {
            "start": 0,
            "end": 25,
            "text": "The city spent 4 million.",
            "score": 0.9,
            "is_claim": True,
        },
        {
            "start": 26,
            "end": 49,
            "text": "Residents were unhappy.",
            "score": 0.1,
            "is_claim": False,
        },
    ]


def test_extract_claims_reads_html_from_standard_input_too(monkeypatch, keyword_scorer):
    # No django_db mark here: any query would raise "Database access not allowed".
    _stdin(monkeypatch, (DATA / "city-budget.html").read_bytes())
    rows = json.loads(_run("extract_claims", "-"))
    assert rows[0]["text"] == "City spent 4.2 million dollars on roads"
    assert not any("FOOTER-TEXT" in row["text"] for row in rows)


def test_extract_claims_has_a_text_format_for_people(keyword_scorer):
    lines = _run("extract_claims", str(DATA / "city-budget.html"), "--format", "text").splitlines()
    start_end, score, mark, text = lines[0].split(maxsplit=3)
    assert (start_end, score, mark) == ("0-39", "0.90", "CLAIM")
    assert text == "City spent 4.2 million dollars on roads"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("missing.txt", None, "no such file"),
        ("image.png", b"\x89PNG\r\n\x1a\n", "upload a .txt, .md, .html"),
        ("binary.txt", b"\x00\x01\x02binary", "NUL bytes"),
        ("blank.txt", b"  \n ", "empty"),
    ],
)
def test_extract_claims_explains_bad_input(name, content, message, tmp_path):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(CommandError, match=message):
        _run("extract_claims", str(path))


def test_a_bad_input_exits_with_status_1_and_one_line_of_error(tmp_path):
    path = tmp_path / "image.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n")
    done = subprocess.run(
        [sys.executable, "manage.py", "extract_claims", str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1
    assert done.stdout == ""
    assert len(done.stderr.strip().splitlines()) == 1
    assert "cannot be ingested" in done.stderr


# ------------------------------------------------------------------------ import_article


@pytest.mark.django_db
def test_import_article_prints_the_article_id_and_its_claim_count(keyword_scorer):
    output = _run("import_article", str(DATA / "city-budget.html"), "--title", "Roads")
    article = Article.objects.get()
    assert output.strip() == (
        f"article {article.pk} created: {article.claims.count()} claims (Roads)"
    )
    assert article.claims.count() >= 2
    again = _run("import_article", str(DATA / "city-budget.html"))
    assert again.startswith(f"article {article.pk} already present")


@pytest.mark.django_db
def test_import_article_reads_standard_input(monkeypatch, keyword_scorer):
    _stdin(monkeypatch, b"# Roads\n\nThe city spent [4 million](https://example.org/r).")
    output = _run("import_article", "-", "--format", "markdown", "--title", "Piped")
    article = Article.objects.get(title="Piped")
    assert article.source_format == Article.Format.MARKDOWN
    assert output.startswith(f"article {article.pk} created: 1 claims")
    assert article.cited_links.count() == 1


@pytest.mark.django_db
def test_import_article_fetches_a_url_through_the_guarded_fetcher(patch_setting, keyword_scorer):
    with LocalHTTPServer() as server:
        server.route("/roads", respond(200, (DATA / "city-budget.html").read_bytes()))
        patch_setting("FACTCHECK_FETCH_ALLOW_HOSTS", [f"127.0.0.1:{server.port}"])
        output = _run("import_article", server.url("/roads"))
    article = Article.objects.get()
    assert article.url == server.url("/roads")
    assert output.startswith(f"article {article.pk} created:")


@pytest.mark.django_db
def test_import_article_refuses_a_private_address_that_is_not_allow_listed(keyword_scorer):
    with LocalHTTPServer() as server, pytest.raises(CommandError, match="refused:"):
        _run("import_article", server.url("/"))
    assert Article.objects.count() == 0


@pytest.mark.django_db
def test_import_article_explains_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        _run("import_article", str(tmp_path / "nope.txt"))
