"""The one pagination partial, templates/includes/pagination.html."""

from __future__ import annotations

import html
import re

from django.core.paginator import Paginator
from django.template.loader import render_to_string
from django.test import RequestFactory

from factcheck.lib.pagination import CappedPaginator

PARTIAL = "includes/pagination.html"


def _render(path: str, page, **extra) -> str:
    request = RequestFactory().get(path)
    return render_to_string(PARTIAL, {"page": page, **extra}, request=request)


def _links(markup: str) -> dict[str, str]:
    """rel -> the link's address, as the browser reads it (entities decoded)."""
    return {
        rel: html.unescape(href)
        for href, rel in re.findall(r'<a href="([^"]*)" rel="(prev|next)"', markup)
    }


def test_it_keeps_the_other_parameters_and_replaces_page():
    page = Paginator(range(100), 10).get_page(3)
    markup = _render("/?rating=false&page=3&topic=roads&topic=cars&q=a+b", page)
    assert _links(markup) == {
        "prev": "?rating=false&page=2&topic=roads&topic=cars&q=a+b",
        "next": "?rating=false&page=4&topic=roads&topic=cars&q=a+b",
    }
    # Plain addresses: the same for every reader of a page cached per URL.
    assert 'href="?rating=false&amp;page=4&amp;topic=roads' in markup
    assert '<nav class="pagination" aria-label="Pages">' in markup
    assert "Page 3 of 10" in markup


def test_it_adds_page_to_an_address_without_one():
    page = Paginator(range(30), 10).get_page(1)
    markup = _render("/?rating=false", page)
    assert _links(markup) == {"next": "?rating=false&page=2"}
    assert _links(_render("/", page)) == {"next": "?page=2"}


def test_its_words_and_a_single_page():
    page = Paginator(range(30), 10).get_page(2)
    markup = _render("/?page=2", page, previous_label="Newer", next_label="Older")
    assert '<a href="?page=1" rel="prev">Newer</a>' in markup
    assert '<a href="?page=3" rel="next">Older</a>' in markup
    assert ">Previous<" in _render("/?page=2", page) and ">Next<" in _render("/?page=2", page)
    assert _render("/", Paginator(range(5), 10).get_page(1)).strip() == ""


def test_a_capped_count_says_which_objects_it_pages_through():
    page = CappedPaginator(list(range(120)), 25, cap=50).get_page(1)
    assert "Page 1 of 2 (the first 50 claims)" in _render("/", page, item_name="claims")
    assert "Page 1 of 2 (the first 50)</span>" in _render("/", page)
    exact = CappedPaginator(list(range(40)), 25, cap=50).get_page(1)
    assert "Page 1 of 2</span>" in _render("/", exact)
