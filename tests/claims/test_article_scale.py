"""Articles with thousands of claims: the reviewer article page lists its claims a page at a
time (with the part of the text they stand in), merge targets are searched on demand and typed
by number, and the review home counts claims without grouping by the articles' text."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from claims import selectors
from claims.models import Article, ArticleSentence, Claim
from claims.services import content_hash
from tests.factories import ArticleFactory, ClaimFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def _sentence(n: int) -> str:
    return f"Sentence {n} says the city spent {n} dollars on item{n}."


def big_article(n_claims: int, *, per_paragraph: int = 5, extra_sentences: int = 0) -> Article:
    """An article of ``n_claims`` claimed sentences (and ``extra_sentences`` scored ones
    after them), ``per_paragraph`` sentences a paragraph, made in bulk."""
    spans, parts, offset = [], [], 0
    total = n_claims + extra_sentences
    for n in range(total):
        sentence = _sentence(n)
        spans.append((offset, offset + len(sentence), sentence))
        separator = "\n\n" if (n + 1) % per_paragraph == 0 else " "
        parts.append(sentence + (separator if n < total - 1 else ""))
        offset += len(parts[-1])
    text = "".join(parts)
    article = ArticleFactory(text=text, content_hash=content_hash(text))
    claims = Claim.objects.bulk_create(
        Claim(article=article, start=s, end=e, text=t, checkworthiness=0.9)
        for s, e, t in spans[:n_claims]
    )
    ArticleSentence.objects.bulk_create(
        ArticleSentence(
            article=article, start=s, end=e, text=t, score=0.9 if i < n_claims else 0.1,
            claim=claims[i] if i < n_claims else None,
        )
        for i, (s, e, t) in enumerate(spans)
    )  # fmt: skip
    return article


def _page(client, article, **params):
    return client.get(reverse("claims:article_detail", kwargs={"pk": article.pk}), params)


def _claim_pks_listed(html: str) -> set[int]:
    import re

    return {int(pk) for pk in re.findall(r'<tr id="claim-(\d+)"', html)}


def test_the_article_page_lists_its_claims_a_page_at_a_time_with_their_part_of_the_text(
    client_for,
):
    client = client_for("reviewer")
    per_page = selectors.REVIEW_CLAIMS_PER_PAGE
    total = 2 * per_page + per_page // 2
    article = big_article(total)
    claims = list(Claim.objects.filter(article=article).order_by("start"))

    first = _page(client, article).content.decode()
    assert _claim_pks_listed(first) == {c.pk for c in claims[:per_page]}
    assert f"Claims ({total})" in first
    assert "Page 1 of 3" in first
    # The text of the page's claims is there and highlighted; a later page's is not.
    assert _sentence(0) in first and f"Claim #{claims[0].pk}:" in first
    assert _sentence(total - 1) not in first

    second = _page(client, article, page=2).content.decode()
    assert _claim_pks_listed(second) == {c.pk for c in claims[per_page : 2 * per_page]}
    assert _sentence(per_page) in second and f"Claim #{claims[per_page].pk}:" in second
    assert _sentence(0) not in second
    # Offsets stay those of the whole text (selecting words makes a claim at the right place).
    assert f'data-start="{claims[per_page].start}"' in second

    # Every sentence of the text is shown on some page.
    pages = first + second + _page(client, article, page=3).content.decode()
    assert all(_sentence(n) in pages for n in range(total))


def test_a_claim_number_opens_the_page_listing_it(client_for):
    client = client_for("reviewer")
    per_page = selectors.REVIEW_CLAIMS_PER_PAGE
    article = big_article(2 * per_page + per_page // 2)
    claim = Claim.objects.filter(article=article).order_by("start")[2 * per_page + 3]
    html = _page(client, article, claim=claim.pk).content.decode()
    assert "Page 3 of 3" in html and f'id="claim-{claim.pk}"' in html


def test_the_article_page_makes_the_same_queries_whatever_the_number_of_claims(client_for):
    client = client_for("reviewer")
    small, large = big_article(20, extra_sentences=5), big_article(600, extra_sentences=5)
    _page(client, small)  # warm the per-user caches
    counts, sizes = [], []
    for article in (small, large):
        with CaptureQueriesContext(connection) as queries:
            response = _page(client, article)
        assert response.status_code == 200
        counts.append(len(queries))
        sizes.append(len(response.content))
    # The large article's page has the next-page query the small one lacks, nothing more.
    assert counts[1] <= counts[0] + 1, counts
    assert sizes[1] < 6 * sizes[0], sizes


def test_the_merge_form_offers_no_list_of_every_claim(client_for):
    client = client_for("reviewer")
    article = big_article(150)
    html = _page(client, article).content.decode()
    assert '<select name="keep"' not in html
    assert html.count('name="keep"') == selectors.REVIEW_CLAIMS_PER_PAGE
    assert (
        'list="merge-targets"' in html
        and reverse(
            "claims:merge_targets", kwargs={"pk": Claim.objects.filter(article=article).first().pk}
        )
        in html
    )


def test_the_merge_search_finds_claims_of_the_same_article_by_number_or_words(client_for):
    client = client_for("reviewer")
    article = big_article(60)
    claims = list(Claim.objects.filter(article=article).order_by("start"))
    duplicate, target = claims[0], claims[42]
    other = ClaimFactory()  # another article's
    dismissed = claims[43]
    Claim.objects.filter(pk=dismissed.pk).update(
        status=Claim.Status.DISMISSED, dismissed_reason="Not checkable."
    )
    url = reverse("claims:merge_targets", kwargs={"pk": duplicate.pk})

    by_number = client.get(url, {"keep": f"#{target.pk}"}, **HTMX).content.decode()
    assert by_number.strip().startswith(f'<option value="{target.pk}">#{target.pk}:')
    assert by_number.count("<option") == 1
    by_words = client.get(url, {"keep": "item42 dollars"}, **HTMX).content.decode()
    assert f'value="{target.pk}"' in by_words and by_words.count("<option") == 1
    assert "<option" not in client.get(url, {"keep": str(other.pk)}, **HTMX).content.decode()
    assert "<option" not in client.get(url, {"keep": "item43"}, **HTMX).content.decode()
    assert "<option" not in client.get(url, {"keep": str(duplicate.pk)}, **HTMX).content.decode()
    # Without script: a page listing the matches with their numbers.
    page = client.get(url, {"q": "item42"})
    assert page.status_code == 200
    assert f"#{target.pk}" in page.content.decode() and "<html" in page.content.decode()
    # At most MERGE_TARGETS_SHOWN answers, in one query.
    with CaptureQueriesContext(connection) as queries:
        many = client.get(url, {"keep": "Sentence"}, **HTMX).content.decode()
    assert many.count("<option") == selectors.MERGE_TARGETS_SHOWN
    assert len([q for q in queries if "claims_claim" in q["sql"]]) <= 2


def test_the_merge_search_is_for_reviewers_only(client_for):
    claim = ClaimFactory()
    url = reverse("claims:merge_targets", kwargs={"pk": claim.pk})
    assert client_for("reader").get(url).status_code == 403
    assert client_for("anonymous").get(url).status_code == 302


def test_a_claim_is_merged_into_the_claim_whose_number_is_typed(client_for):
    client = client_for("reviewer")
    article = big_article(300)
    claims = list(Claim.objects.filter(article=article).order_by("start"))
    duplicate, keep = claims[1], claims[280]
    with CaptureQueriesContext(connection) as queries:
        response = client.post(
            reverse("claims:claim_merge", kwargs={"pk": duplicate.pk}),
            {"keep": f" #{keep.pk} ", "reason": "Same figure.", "version": duplicate.version},
        )
    assert response.status_code == 302
    duplicate.refresh_from_db()
    assert duplicate.status == Claim.Status.DISMISSED and duplicate.duplicate_of_id == keep.pk
    # The chosen claim is looked up alone: no query reads the article's other claims.
    listing = [
        q["sql"] for q in queries
        if "claims_claim" in q["sql"] and "article_id" in q["sql"] and "LIMIT" not in q["sql"]
        and "UPDATE" not in q["sql"] and "FOR UPDATE" not in q["sql"]
    ]  # fmt: skip
    assert not listing, listing


@pytest.mark.parametrize(
    "typed", ["", "abc", "0", "-3", "999999999"], ids=["empty", "words", "zero", "neg", "absent"]
)
def test_a_typed_number_that_is_no_claim_to_keep_is_refused(client_for, typed):
    client = client_for("reviewer")
    article = big_article(3)
    duplicate = Claim.objects.filter(article=article).order_by("start").first()
    response = client.post(
        reverse("claims:claim_merge", kwargs={"pk": duplicate.pk}),
        {"keep": typed, "reason": "Same.", "version": duplicate.version},
        follow=True,
    )
    duplicate.refresh_from_db()
    assert duplicate.status == Claim.Status.NEW
    assert "claim to keep" in response.content.decode()


def test_merging_into_a_claim_of_another_article_or_a_dismissed_one_is_refused(client_for):
    client = client_for("reviewer")
    article = big_article(3)
    duplicate, dismissed, _ = Claim.objects.filter(article=article).order_by("start")
    Claim.objects.filter(pk=dismissed.pk).update(
        status=Claim.Status.DISMISSED, dismissed_reason="Not checkable."
    )
    for keep in (ClaimFactory(), dismissed, duplicate):
        response = client.post(
            reverse("claims:claim_merge", kwargs={"pk": duplicate.pk}),
            {"keep": keep.pk, "reason": "Same.", "version": duplicate.version},
            follow=True,
        )
        assert f"Claim #{keep.pk} cannot be kept" in response.content.decode()
    duplicate.refresh_from_db()
    assert duplicate.status == Claim.Status.NEW


def test_the_review_home_counts_claims_per_article(client_for):
    client = client_for("reviewer")
    big = big_article(40)
    Claim.objects.filter(pk__in=Claim.objects.filter(article=big).values("pk")[:3]).update(
        status=Claim.Status.DISMISSED, dismissed_reason="Not checkable."
    )
    Claim.objects.filter(pk__in=Claim.objects.filter(article=big).values("pk")[10:12]).update(
        status=Claim.Status.PUBLISHED
    )
    empty = ArticleFactory()
    rows = {a.pk: a for a in selectors.article_list(user=_user(client))}
    assert (rows[big.pk].claim_count, rows[big.pk].published_count) == (37, 2)
    assert (rows[empty.pk].claim_count, rows[empty.pk].published_count) == (0, 0)
    html = client.get(reverse("claims:home")).content.decode()
    assert "<td>37</td>" in html and "<td>2</td>" in html


def test_the_review_home_never_groups_by_the_articles_text(client_for):
    client = client_for("reviewer")
    big_article(30)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("claims:home")).status_code == 200
    article_queries = [q["sql"] for q in queries if 'FROM "claims_article"' in q["sql"]]
    assert article_queries
    for sql in article_queries:
        assert "GROUP BY" not in sql.split("FROM", 1)[0] + sql.rsplit(")", 1)[-1], sql
        assert '"claims_article"."text"' not in sql and '"claims_article"."raw_html"' not in sql


def _user(client):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(pk=client.session["_auth_user_id"])
