"""Telling a pasted text's format from its content (claims/formats.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from claims.formats import SCAN_CHARS, detect_format

DATA = Path(__file__).resolve().parent / "data"


@pytest.mark.parametrize(
    "text",
    [
        "<!doctype html><html><head><title>T</title></head><body><p>Hi.</p></body></html>",
        "<!DOCTYPE html>\n<title>Only a title</title>",
        "<html><body>The council met.</body></html>",
        "<h1>The budget</h1>\n<p>The city spent 4 million dollars.</p>",
        "<p>One paragraph, nothing else.</p>",
        "<ul><li>First</li><li>Second</li></ul>",
        'It cost <a href="https://example.org">4 dollars</a>,<br>said <em>the mayor</em>.',
        "<div class='story'>\n  <p>Indented markup\n  over lines.</p>\n</div>",
        "<P>Upper-case tags are tags too.</P>",
    ],
)
def test_real_markup_is_html(text):
    assert detect_format(text) == "html"


def test_a_saved_page_is_html():
    assert detect_format((DATA / "city-budget.html").read_text(encoding="utf-8")) == "html"


@pytest.mark.parametrize(
    "text",
    [
        "# The budget\n\nThe city spent 4 million dollars.",
        "Intro.\n\n## What the council said\n\nIt agreed.",
        "The report [is online](https://example.org/report) since May.",
        "The figure is **wrong** by half.",
        "Three things:\n\n- roads\n- schools\n- parks",
        "Steps:\n1. Count.\n2. Check.",
        "Steps:\n1) Count.\n2) Check.",
    ],
)
def test_markdown_structure_is_markdown(text):
    assert detect_format(text) == "markdown"


@pytest.mark.parametrize(
    "text",
    [
        "The city spent 4 million dollars on roads in 2023.",
        "If a < b and c > d, then the council is wrong.",
        "Use the <p> tag, the manual says.",
        "Emails like <mayor@example.org> are quoted in angle brackets.",
        "#hashtag campaigns grew by 12 percent.",
        "- Only one dash line here.",
        "He said [sic] that 2 + 2 = 5.",
        "Revenue was 5 * 3 million, and costs 2 * 4 million.",
        "2020 was a record year.\nSales rose 4 percent.",
        "",
        "   \n\t ",
    ],
)
def test_prose_is_plain_text(text):
    assert detect_format(text) == "text"


def test_html_wins_over_markdown_inside_it():
    assert detect_format("<p>The **figure** and [a link](https://x.org).</p>") == "html"


def test_only_the_start_of_a_huge_paste_is_read():
    text = "Plain words. " * (SCAN_CHARS // 13 + 10) + "<p>late</p><p>markup</p>"
    assert detect_format(text) == "text"


def test_broken_markup_does_not_raise():
    assert detect_format("<p <<< </ <!-- never closed") in {"html", "text"}
    assert detect_format("<![CDATA[ x ]]> <!weird> &#xZZ;") == "text"
