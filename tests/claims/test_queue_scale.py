"""What keeps the reviewer queue fast on a large desk (``benchmarks/pages.py``): the capped
count, rows loaded for the page only, rows written in Python, the stored search vector."""

from __future__ import annotations

import re
import zoneinfo
from datetime import UTC, datetime

import pytest
from django.core.cache import cache
from django.core.cache.utils import make_template_fragment_key
from django.db import connection
from django.db.models import F, Value
from django.db.models.functions import Concat
from django.template import engines
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from claims import selectors, services
from claims.models import Claim, Verdict
from claims.views import queue as queue_views
from factcheck.lib.versions import NO_VERSION_CHECK
from sources.models import Link
from tests.factories import (
    ArticleFactory,
    ClaimFactory,
    EvidenceFactory,
    LinkFactory,
    NoteFactory,
    VerdictFactory,
    rating_level,
)

pytestmark = pytest.mark.django_db

QUEUE = reverse("claims:claim_queue")
ON_POSTGRESQL = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the stored search vector is PostgreSQL's"
)

# The rows as the queue template wrote them before ``queue_rows`` (the reference markup).
TEMPLATE_ROWS = """{% for claim in claims %}
<tr data-row>
  <td><input type="checkbox" name="claims" value="{{ claim.pk }}" form="bulk-assign" id="select-{{ claim.pk }}" aria-label="Select claim #{{ claim.pk }}"></td>
  <td>#{{ claim.pk }}</td>
  <td><a href="{% url 'claims:claim_detail' claim.pk %}" class="row-link">{{ claim.text|truncatechars:160 }}</a>
    <br><span class="muted">{{ claim.article.title|truncatechars:70 }}</span>{% if claim.article.is_demo %} <span class="badge badge-demo">demo</span>{% endif %}</td>
  <td data-label="Status"><span class="state state-{{ claim.status }}">{{ claim.get_status_display }}</span></td>
  <td data-label="Rating">{% include "claims/_rating.html" with level=claim.rating %}</td>
  <td data-label="Assignee">{% if claim.assignee %}{{ claim.assignee.get_username }}{% else %}<span class="muted">nobody</span>{% endif %}</td>
  <td data-label="Evidence">{{ claim.evidence_count }}{% if claim.has_link_trouble %} <span class="badge badge-warn">dead or failing link</span>{% endif %}{% if claim.evidence_at_risk %} <span class="badge badge-warn">evidence at risk</span>{% endif %}{% if claim.note_count %}<br><span class="muted">{{ claim.note_count }} note{{ claim.note_count|pluralize }}</span>{% endif %}</td>
  <td data-label="Score">{% if claim.checkworthiness is not None %}{{ claim.checkworthiness|floatformat:2 }}{% else %}–{% endif %}</td>
  <td data-label="Updated"><time datetime="{{ claim.updated_at|date:'c' }}">{{ claim.updated_at|date:"j M Y H:i" }}</time></td>
</tr>
{% endfor %}"""  # noqa: E501, RUF001


def _squeeze(html: str) -> str:
    return re.sub(r">\s+<", "><", re.sub(r"\s+", " ", html)).strip()


def _page_rows(user, **filters):
    page = selectors.claim_queue(user=user).filter(**filters)[:100]
    return selectors.claim_queue_rows(user=user, page=page)


@pytest.mark.parametrize("zone", ["UTC", "America/St_Johns"])
def test_the_rows_written_in_python_match_the_template_rows(zone, reviewer, editor):
    long_title = 'Costs & "benefits" <of> the <b>plan</b> ' * 4
    article = ArticleFactory(
        title=long_title,
        is_demo=True,
        text="Taxes rose by 40 percent, the mayor's office said. " * 8 + "Short one.",
    )
    long_claim = ClaimFactory(article=article, end=len(article.text) - 11, checkworthiness=0.125)
    end = len(article.text)
    short = ClaimFactory(article=article, start=end - 10, end=end, checkworthiness=None)
    plain = ClaimFactory(checkworthiness=0.5)
    services.claim_assign(
        claim=long_claim, assignee=reviewer, user=reviewer, version=NO_VERSION_CHECK
    )
    services.verdict_save(
        claim=short,
        user=reviewer,
        rating=rating_level("mostly-false"),
        summary="s",
        rationale="r",
        version=NO_VERSION_CHECK,
    )
    EvidenceFactory(claim=long_claim, link=LinkFactory(state=Link.State.DEAD))
    EvidenceFactory(claim=plain, link=LinkFactory(state=Link.State.FAILING))
    NoteFactory(claim=long_claim)
    NoteFactory(claim=plain)
    NoteFactory(claim=plain)
    Claim.objects.filter(pk=plain.pk).update(
        updated_at=datetime(2026, 3, 8, 5, 7, tzinfo=UTC), status=Claim.Status.PUBLISHED
    )
    reference = engines["django"].from_string(TEMPLATE_ROWS)
    python = engines["django"].from_string("{% load review %}{% queue_rows claims %}")
    with timezone.override(zoneinfo.ZoneInfo(zone)):
        rows = _page_rows(reviewer)
        assert {r.has_link_trouble for r in rows} == {True, False}
        expected = reference.render({"claims": rows})
        assert _squeeze(python.render({"claims": rows})) == _squeeze(expected)
    assert "…" in expected and "&lt;b&gt;plan" in expected and "demo" in expected
    assert "0.13" in expected  # floatformat rounds half up


def test_the_rows_query_is_one_query_for_the_page_only(client_for):
    client = client_for("reviewer")
    for _ in range(30):
        EvidenceFactory(claim=ClaimFactory(), link=LinkFactory(state=Link.State.DEAD))
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"{QUEUE}?per_page=25&page=2")
    assert response.status_code == 200
    assert response.content.decode().count("<tr data-row>") == 5
    # The counts and flags are computed on the outer query, for the ids of the page.
    page_of_ids = re.compile(r'"claims_claim"\."id" IN \(SELECT .* LIMIT \d+ OFFSET 25\)')
    rows = [q["sql"] for q in queries.captured_queries if page_of_ids.search(q["sql"])]
    assert len(rows) == 1
    assert "claims_evidence" in rows[0] and "claims_note" in rows[0]


def test_the_queue_counts_no_further_than_its_cap(client_for, monkeypatch):
    monkeypatch.setattr(queue_views, "COUNT_CAP", 50)
    client = client_for("reviewer")
    claims = [ClaimFactory() for _ in range(60)]
    html = client.get(f"{QUEUE}?per_page=25").content.decode()
    assert "More than 50 claims, page 1" in html
    assert "Page 1 of 2 (the first 50 claims)" in html
    last = client.get(f"{QUEUE}?per_page=25&page=9").content.decode()  # clamped to page 2
    assert "More than 50 claims, page 2" in last
    assert 'rel="next"' not in last
    # Reversing the order reaches the others.
    oldest = client.get(f"{QUEUE}?per_page=25&o=number").content.decode()
    assert f'value="{claims[0].pk}"' in oldest
    # Under the cap the count is exact.
    html = client.get(f"{QUEUE}?per_page=25&status=new&article={claims[0].article_id}")
    assert "1 claim." in html.content.decode()


def test_a_capped_count_reads_no_more_than_cap_plus_one_rows(reviewer):
    from factcheck.lib.pagination import CappedPaginator

    for _ in range(7):
        ClaimFactory()
    paginator = CappedPaginator(selectors.claim_queue(user=reviewer), 2, cap=4)
    with CaptureQueriesContext(connection) as queries:
        assert paginator.count == 4
    assert paginator.is_capped and paginator.num_pages == 2
    assert "LIMIT 5" in queries.captured_queries[0]["sql"]
    assert "ORDER BY" not in queries.captured_queries[0]["sql"]
    exact = CappedPaginator(list(range(4)), 2, cap=4)
    assert exact.count == 4 and not exact.is_capped


@ON_POSTGRESQL
def test_the_stored_search_vector_follows_the_claim_text(client_for):
    client = client_for("reviewer")
    claim = ClaimFactory()
    ClaimFactory()
    assert not selectors.claim_text_search(Claim.objects.all(), "bridge").exists()

    Claim.objects.filter(pk=claim.pk).update(text=Concat(F("text"), Value(" Bridges too.")))
    found = selectors.claim_text_search(Claim.objects.all(), "bridge")
    assert list(found) == [claim]
    html = client.get(f"{QUEUE}?q=bridges").content.decode()
    assert f'value="{claim.pk}"' in html and "1 claim." in html


@ON_POSTGRESQL
def test_the_search_vector_is_not_loaded_with_a_claim():
    claim = ClaimFactory()
    with CaptureQueriesContext(connection) as queries:
        Claim.objects.get(pk=claim.pk)
    assert "search_vector" not in queries.captured_queries[0]["sql"]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'claim_search_vector_idx'"
        )
        assert "gin (search_vector)" in cursor.fetchone()[0]


def test_a_search_inside_a_page_sub_select_still_finds_the_claim(client_for):
    client = client_for("reviewer")
    wanted = ClaimFactory(article=ArticleFactory(text="Unemployment fell to 3 percent."))
    for _ in range(3):
        ClaimFactory()
    html = client.get(f"{QUEUE}?q=unemployment&per_page=25").content.decode()
    assert re.findall(r'name="claims" value="(\d+)"', html) == [str(wanted.pk)]


def _published_on_a_dead_link(text: str):
    claim = ClaimFactory(article=ArticleFactory(text=text), status=Claim.Status.PUBLISHED)
    VerdictFactory(claim=claim, state=Verdict.State.PUBLISHED, published_at=timezone.now())
    EvidenceFactory(claim=claim, link=LinkFactory(state=Link.State.DEAD))
    return claim


def _notice(page: str) -> str:
    match = re.search(r'<div class="card notice-at-risk".*?</div>', page, re.S)
    return match.group(0) if match else ""


def test_the_evidence_at_risk_notice_is_cached_for_the_desk(client_for, settings):
    settings.FACTCHECK_QUEUE_NOTICE_CACHE_SECONDS = 60
    key = make_template_fragment_key("queue_at_risk_notice", [True, False, "en"])  # a reviewer's
    cache.delete(key)
    client = client_for("reviewer")
    first = _published_on_a_dead_link("The bridge cost 9 million.")
    try:
        notice = _notice(client.get(QUEUE).content.decode())
        assert "1 published verdict rests" in notice and first.text[:20] in notice
        second = _published_on_a_dead_link("The tunnel cost 4 million.")
        client.get(QUEUE)  # the filters' choices, retired by the publication, read again
        with CaptureQueriesContext(connection) as cached:
            page = client.get(QUEUE).content.decode()
        # It says what it said; the rows are never cached.
        assert _notice(page) == notice
        assert second.text[:20] in page
        cache.delete(key)
        with CaptureQueriesContext(connection) as uncached:
            notice = _notice(client.get(QUEUE).content.decode())
        assert "2 published verdicts rest" in notice and second.text[:20] in notice
        # The same request with the notice cached ran its count and list no more.
        assert len(cached.captured_queries) == len(uncached.captured_queries) - 2
    finally:
        cache.delete(key)
