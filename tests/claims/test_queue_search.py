"""The queue's search box (in sight, keeping the other filters), the article filter as a
title search with suggestions (``claims:article_titles``), and "has an earlier check"."""

from __future__ import annotations

import itertools
import json
import re

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

import claims.filters as queue_filters
import claims.matching as matching
from claims.models import Article, Claim
from claims.services import earlier_checks_refresh
from claims.services.factchecks import factchecks_import
from tests.factories import ArticleFactory, ClaimFactory, published_claim

pytestmark = pytest.mark.django_db

QUEUE = reverse("claims:claim_queue")
TITLES = reverse("claims:article_titles")


def _rows(html: str) -> set[int]:
    return {int(pk) for pk in re.findall(r'name="claims" value="(\d+)"', html)}


_N = itertools.count()


def _claim(text: str, **fields) -> Claim:
    article = ArticleFactory(text=f"{text} Other words follow here ({next(_N)}).")
    return ClaimFactory(article=article, end=len(text), **fields)


# ---------------------------------------------------------------------- search box


def test_the_search_box_is_in_sight_and_keeps_the_other_filters(client_for):
    client = client_for("reviewer")
    camels = _claim("Officials planned to cull feral camels.")
    _claim("The mayor owns three cars.")
    dismissed = _claim(
        "Officials planned to cull feral camels again.", status="dismissed", dismissed_reason="x"
    )
    html = client.get(f"{QUEUE}?status=new&o=-score&page=2").content.decode()
    start = html.index('class="queue-search"')
    search = html[start : html.index("<details", start)]
    # Outside the collapsed filters, with the view's other filters (not its page) kept.
    assert 'name="q"' in search and 'type="search"' in search
    assert '<input type="hidden" name="status" value="new">' in search
    assert '<input type="hidden" name="o" value="-score">' in search
    assert 'name="page"' not in search
    html = client.get(f"{QUEUE}?status=new&q=camels").content.decode()
    assert _rows(html) == {camels.pk}
    assert dismissed.pk not in _rows(html)
    # The filters' form keeps the search.
    assert '<input type="hidden" name="q" value="camels">' in html


# ------------------------------------------------------------------- article filter


def test_the_article_filter_takes_a_title_a_number_or_a_picked_suggestion(client_for):
    client = client_for("reviewer")
    budget = ClaimFactory(article=ArticleFactory(title="The city budget for 2026"))
    roads = ClaimFactory(article=ArticleFactory(title="Roads and the budget"))
    other = ClaimFactory(article=ArticleFactory(title="Weather report"))
    assert _rows(client.get(f"{QUEUE}?article=budget").content.decode()) == {
        budget.pk,
        roads.pk,
    }
    # Old links: ?article=<id>; "#id"; a suggestion picked from the list.
    assert _rows(client.get(f"{QUEUE}?article={other.article_id}").content.decode()) == {other.pk}
    assert _rows(client.get(f"{QUEUE}?article=%23{roads.article_id}").content.decode()) == {
        roads.pk
    }
    picked = f"The city budget for 2026 (#{budget.article_id})"
    html = client.get(QUEUE, {"article": picked}).content.decode()
    assert _rows(html) == {budget.pk}
    # The field is a text input with its suggestions list, fetched as the title is typed.
    assert 'list="article-titles"' in html and '<datalist id="article-titles">' in html
    assert f'hx-get="{TITLES}"' in html
    assert "Article number" not in html.split("<datalist")[0].split('id="id_article"')[1][:200]


def test_suggestions_match_titles_of_visible_articles_only(client_for):
    client = client_for("reviewer")
    ready = ArticleFactory(title="Budget speech of the mayor")
    hidden = ArticleFactory(
        title="Budget leak still being stored", ingest_state=Article.IngestState.PROCESSING
    )
    withdrawn = ArticleFactory(
        title="Budget mistake withdrawn", ingest_state=Article.IngestState.WITHDRAWN
    )
    ArticleFactory(title="Weather report")
    response = client.get(TITLES, {"article": "budget"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert f'<option value="Budget speech of the mayor (#{ready.pk})">' in html
    assert "leak" not in html and "Weather" not in html and "withdrawn" not in html
    # Not by number either.
    assert client.get(TITLES, {"article": f"#{hidden.pk}"}).content.decode().strip() == ""
    assert client.get(TITLES, {"q": str(withdrawn.pk)}).content.decode().strip() == ""
    assert f"(#{ready.pk})" in client.get(TITLES, {"q": str(ready.pk)}).content.decode()


def test_suggestions_are_bounded_and_need_two_letters(client_for, django_assert_max_num_queries):
    client = client_for("reviewer")
    Article.objects.bulk_create(
        Article(
            title=f"Election night {n}", slug=f"election-night-{n}", text="x", content_hash=f"h{n}"
        )
        for n in range(60)
    )
    client.get(TITLES, {"q": "el"})  # warm the session
    with django_assert_max_num_queries(4):
        html = client.get(TITLES, {"q": "election"}).content.decode()
    assert html.count("<option") == queue_filters.ARTICLE_SUGGESTIONS == 20
    assert "Election night 59" in html  # newest first
    assert client.get(TITLES, {"q": "e"}).content.decode().strip() == ""


@pytest.mark.parametrize(
    ("persona", "status"),
    [("anonymous", 302), ("outsider", 403), ("reader", 403), ("reviewer", 200), ("editor", 200)],
)
def test_suggestions_are_for_reviewers(persona, status, client_for):
    ArticleFactory(title="Budget speech")
    response = client_for(persona).get(TITLES, {"q": "budget"})
    assert response.status_code == status
    if status != 200:
        assert b"Budget speech" not in response.content


# ---------------------------------------------------------------- earlier check


@pytest.fixture
def fresh_index(settings):
    settings.FACTCHECK_MATCH_REFRESH_SECONDS = 0
    matching._index = None
    cache.clear()
    yield
    matching._index = None
    cache.clear()


CAMELS = "Officials in South Australia planned to cull 10,000 feral camels."


def _import_camels():
    factchecks_import(
        data=json.dumps(
            [
                {
                    "@type": "ClaimReview",
                    "url": "https://checker.example/camels-culled-australia/",
                    "claimReviewed": CAMELS,
                    "headline": "Were 10,000 Camels Scheduled to Be Killed?",
                    "author": {"name": "Checker"},
                    "reviewRating": {"alternateName": "False"},
                    "datePublished": "2020-01-08",
                }
            ]
        )
    )


def test_has_an_earlier_check_finds_external_and_published_checks_only(client_for, fresh_index):
    _import_camels()
    camels = _claim(CAMELS)
    bridge_text = "The new bridge over the river cost 90 million euros."
    published_claim(
        article=ArticleFactory(text=f"{bridge_text} More words here."), end=len(bridge_text)
    )
    bridge = _claim(bridge_text)
    wind_text = "Wind farms kill two million migrating birds every year."
    _claim(wind_text, status=Claim.Status.IN_REVIEW)  # in progress: not a check yet
    wind = _claim(wind_text)
    unrelated = _claim("The mayor owns three cars and a boat.")
    client = client_for("reviewer")
    assert earlier_checks_refresh() >= 4
    html = client.get(f"{QUEUE}?status=new&earlier_check=yes").content.decode()
    assert _rows(html) == {camels.pk, bridge.pk}
    assert wind.pk not in _rows(html) and unrelated.pk not in _rows(html)
    # Without the filter every new claim is listed; the filter is offered in the form.
    assert _rows(client.get(f"{QUEUE}?status=new").content.decode()) >= {
        camels.pk,
        bridge.pk,
        wind.pk,
        unrelated.pk,
    }
    assert '<option value="yes">Has an earlier check</option>' in html.replace(" selected", "")


def test_a_fact_check_imported_later_is_found_on_the_next_look(client_for, fresh_index):
    camels = _claim(CAMELS)
    client = client_for("reviewer")
    earlier_checks_refresh()
    assert _rows(client.get(f"{QUEUE}?earlier_check=yes").content.decode()) == set()
    _import_camels()
    # The import moved the stamp: every claim is compared again on the next run.
    assert earlier_checks_refresh() == 1
    assert _rows(client.get(f"{QUEUE}?earlier_check=yes").content.decode()) == {camels.pk}
    assert earlier_checks_refresh() == 0


def test_the_filter_covers_the_whole_view_and_says_what_waits(client_for, fresh_index):
    _import_camels()
    claims = [_claim(CAMELS) for _ in range(3)]
    client = client_for("reviewer")
    assert earlier_checks_refresh(batch=2) == 2  # the two most recently changed
    html = client.get(f"{QUEUE}?earlier_check=yes").content.decode()
    assert _rows(html) == {claims[1].pk, claims[2].pk}
    assert "1 claim of this view is not compared with earlier checks yet" in html
    assert earlier_checks_refresh(batch=2) == 1
    html = client.get(f"{QUEUE}?earlier_check=yes").content.decode()
    assert _rows(html) == {c.pk for c in claims} and "not compared" not in html


def test_storing_a_score_is_not_an_edit_and_an_edit_is_compared_again(fresh_index):
    _import_camels()
    claim = _claim(CAMELS)
    before = Claim.objects.get(pk=claim.pk)
    earlier_checks_refresh()
    after = Claim.objects.get(pk=claim.pk)
    assert after.earlier_check_score >= queue_filters.EARLIER_CHECK_MIN_SIMILARITY
    assert (after.version, after.updated_at) == (before.version, before.updated_at)
    assert earlier_checks_refresh() == 0
    Claim.objects.filter(pk=claim.pk).update(
        text="The mayor owns three cars and a boat.", updated_at=timezone.now()
    )
    assert earlier_checks_refresh() == 1
    assert Claim.objects.get(pk=claim.pk).earlier_check_score < 70


def test_beat_compares_claims_every_minute(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["earlier-checks-refresh"]
    assert entry["task"] == "claims.earlier_checks_refresh"
    assert entry["schedule"].total_seconds() == 60
    assert settings.CELERY_TASK_ROUTES["claims.earlier_checks_refresh"] == {
        "queue": settings.FACTCHECK_QUEUE_DEFAULT
    }


def test_the_filter_never_waits_for_the_matching_index(client_for, fresh_index):
    _import_camels()
    camels = _claim(CAMELS)
    earlier_checks_refresh()
    building = matching.MatchIndex()
    building.ready = False  # a large first build, running in the background
    matching._index = building
    html = client_for("reviewer").get(f"{QUEUE}?earlier_check=yes").content.decode()
    assert _rows(html) == {camels.pk}


def test_a_new_earlier_check_makes_only_open_claims_compared_again(fresh_index):
    open_claim = _claim(CAMELS)
    done = _claim(CAMELS, status=Claim.Status.DISMISSED, dismissed_reason="Opinion.")
    assert earlier_checks_refresh() == 2
    _import_camels()
    assert earlier_checks_refresh() == 1  # the open one; the dismissed one keeps its score
    assert Claim.objects.get(pk=open_claim.pk).earlier_check_score >= 70
    assert Claim.objects.get(pk=done.pk).earlier_check_score == 0
