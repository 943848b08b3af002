"""The sources pages (/review/sources/) and the sources admin (/admin/sources/)."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from claims.models import Verdict
from factcheck.lib.versions import NO_VERSION_CHECK
from sources import services
from sources.models import Link, Source, SourceDomain, SourceImportJob, SourceRating
from tests.conftest import PERSONAS
from tests.factories import (
    ClaimFactory,
    EvidenceFactory,
    LinkFactory,
    SourceFactory,
    VerdictFactory,
)

pytestmark = pytest.mark.django_db


def _source_with_work(name: str, *, domain: str, dead: int = 0, alive: int = 0) -> Source:
    """A source with links in some states, one evidence and one published verdict on it."""
    source = SourceFactory(name=name, domains=[domain])
    links = [
        LinkFactory(url=f"https://{domain}/{state}{i}", host=domain, source=source, state=state)
        for state, count in (("dead", dead), ("alive", alive))
        for i in range(count)
    ]
    if links:
        evidence = EvidenceFactory(link=links[0], source=source)
        VerdictFactory(
            claim=evidence.claim, state=Verdict.State.PUBLISHED, published_at=timezone.now()
        )
    return source


def _rows(html: str) -> list[str]:
    return re.findall(r'<a href="/review/sources/\d+/">([^<]+)</a>', html)


# ------------------------------------------------------------------------ the list


def test_the_list_shows_each_sources_statistics(client_for):
    _source_with_work("BBC", domain="bbc.co.uk", dead=1, alive=3)
    SourceFactory(name="Quiet")
    response = client_for("reviewer").get(reverse("sources:list"))
    html = response.content.decode()
    assert _rows(html) == ["BBC", "Quiet"]
    bbc_row = html[html.index(">BBC<") : html.index(">Quiet<")]
    cells = re.findall(r'<td class="num"[^>]*>(.*?)</td>', bbc_row, re.S)
    assert [re.sub(r"<[^>]+>", "", c).strip() for c in cells] == ["4", "0", "25 % (1)", "1", "1"]
    assert "bbc.co.uk" in bbc_row


def test_the_list_costs_the_same_queries_for_3_or_30_sources(client_for, django_assert_num_queries):
    client = client_for("reviewer")
    client.get(reverse("sources:list"))  # warm the session and content types
    for i in range(3):
        _source_with_work(f"Source {i}", domain=f"s{i}.example", dead=1, alive=1)
    # Session, user, user and group permissions, the user's roles (navigation), the
    # countries in use (filter), count, page, domains, then the statistics: links by state,
    # citations, evidence, published verdicts.
    with django_assert_num_queries(11):
        small = client.get(reverse("sources:list"))
    for i in range(3, 30):
        _source_with_work(f"Source {i}", domain=f"s{i}.example", dead=1, alive=2)
    with django_assert_num_queries(11):
        large = client.get(reverse("sources:list"))
    assert len(_rows(small.content.decode())) == 3
    assert len(_rows(large.content.decode())) == 30


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("kind=wire", ["Reuters"]),
        ("rating=high", ["BBC"]),
        ("country=FR", ["Le Monde"]),
        ("health=dead", ["BBC"]),
        ("health=trouble", ["BBC", "Le Monde"]),
        ("health=healthy", ["Reuters"]),
        ("health=no_links", ["Blog"]),
        ("q=reuters.co", ["Reuters"]),
        ("q=mond", ["Le Monde"]),
    ],
)
def test_the_list_filters_by_kind_rating_country_link_health_and_name(client_for, query, expected):
    bbc = _source_with_work("BBC", domain="bbc.co.uk", dead=1, alive=1)
    Source.objects.filter(pk=bbc.pk).update(rating="high", rating_rationale="Good", kind="news")
    reuters = _source_with_work("Reuters", domain="reuters.com", alive=2)
    SourceDomain.objects.create(source=reuters, domain="reuters.co.uk")
    Source.objects.filter(pk=reuters.pk).update(kind="wire")
    monde = SourceFactory(name="Le Monde", country="FR", domains=["lemonde.fr"])
    LinkFactory(url="https://lemonde.fr/x", host="lemonde.fr", source=monde, state="failing")
    SourceFactory(name="Blog")
    response = client_for("reviewer").get(f"{reverse('sources:list')}?{query}")
    assert _rows(response.content.decode()) == expected


def test_the_nav_links_to_the_sources_for_the_desk_only(client_for):
    assert 'href="/review/sources/"' in client_for("reviewer").get(reverse("claims:home")).text
    assert 'href="/review/sources/"' not in client_for("anonymous").get(reverse("reader:home")).text


# ------------------------------------------------------------------------ one source


def test_the_source_page_shows_its_ratings_evidence_and_history(client_for, admin_persona):
    from sources import services

    source = _source_with_work("BBC", domain="bbc.co.uk", alive=1)
    services.source_rate(
        source=source,
        user=admin_persona,
        rating="mixed",
        rationale="Hmm.",
        version=NO_VERSION_CHECK,
    )
    services.source_rate(
        source=source,
        user=admin_persona,
        rating="high",
        rationale="Better.",
        version=NO_VERSION_CHECK,
    )
    html = client_for("reviewer").get(reverse("sources:detail", args=[source.pk])).text
    history = html[html.index("Rating history") : html.index("Latest evidence")]
    assert history.index("Better.") < history.index("Hmm.")
    assert "persona-admin" in history
    # The evidence was added before the source was rated: it says so.
    assert "when the source was rated not rated" in html
    assert "published verdict" in html
    assert "changed a source&#x27;s reliability rating" in html
    assert f'href="/review/sources/{source.pk}/edit/"' not in html  # reviewers cannot edit


def test_an_unknown_source_is_404(client_for):
    assert client_for("reviewer").get(reverse("sources:detail", args=[999999])).status_code == 404


# ------------------------------------------------------------------------ editing


def test_an_admin_adds_a_source_through_the_form(client_for):
    response = client_for("admin").post(
        reverse("sources:create"),
        {
            "name": "Full Fact",
            "kind": "ngo",
            "home_url": "fullfact.org",
            "domains": "fullfact.org\nwww.fullfact.org",
            "country": "GB",
            "language": "en",
            "rating": "high",
            "rating_rationale": "IFCN signatory.",
            "notes": "",
        },
    )
    source = Source.objects.get(name="Full Fact")
    assert response.status_code == 302 and response["Location"] == f"/review/sources/{source.pk}/"
    assert source.home_url == "https://fullfact.org"
    assert list(source.domains.values_list("domain", flat=True)) == ["fullfact.org"]
    assert source.ratings.get().rated_by.username == "persona-admin"


def test_the_form_shows_the_services_errors_and_stores_nothing(client_for):
    SourceFactory(name="BBC", domains=["bbc.co.uk"])
    client = client_for("admin")
    form = {"name": "Copy", "kind": "news", "domains": "news.bbc.co.uk bbc.co.uk co.uk"}
    response = client.post(reverse("sources:create"), {**form, "rating": "unrated"})
    assert response.status_code == 400
    assert "bbc.co.uk already belongs to BBC." not in response.text  # first: the bad name
    assert "“co.uk” is a public suffix" in response.text
    form["domains"] = "news.bbc.co.uk bbc.co.uk"
    response = client.post(reverse("sources:create"), {**form, "rating": "unrated"})
    assert "bbc.co.uk already belongs to BBC." in response.text
    response = client.post(reverse("sources:create"), {**form, "rating": "low"})
    assert "Say why: a rating is recorded with its rationale." in response.text
    assert not Source.objects.filter(name="Copy").exists()


def test_editing_a_rating_adds_to_the_history(client_for):
    source = SourceFactory(name="Example", domains=["example.org"])
    form = {
        "name": "Example",
        "kind": "other",
        "home_url": "",
        "domains": "example.org",
        "country": "",
        "language": "",
        "rating": "low",
        "rating_rationale": "Fabricated quotes.",
        "notes": "",
        "version": source.version,
    }
    response = client_for("admin").post(reverse("sources:edit", args=[source.pk]), form)
    assert response.status_code == 302
    assert SourceRating.objects.get(source=source).rating_rationale == "Fabricated quotes."
    assert AuditEvent.objects.filter(action="sources.source.rating_changed").count() == 1
    assert not AuditEvent.objects.filter(action="sources.source.updated").exists()


def test_the_edit_form_is_filled_in(client_for):
    source = SourceFactory(name="Example", country="DE", domains=["example.org", "example.de"])
    html = client_for("admin").get(reverse("sources:edit", args=[source.pk])).text
    assert "example.de\nexample.org</textarea>" in html
    assert '<option value="DE" selected>Germany (DE)</option>' in html


@pytest.mark.parametrize(
    ("persona", "status"),
    [("anonymous", 302), ("outsider", 403), ("reader", 403), ("reviewer", 403), ("editor", 403)],
)
def test_only_admins_post_to_the_forms(client_for, persona, status):
    source = SourceFactory(name="Keep")
    client = client_for(persona)
    for url in (reverse("sources:create"), reverse("sources:edit", args=[source.pk])):
        assert client.post(url, {"name": "Changed", "kind": "news"}).status_code == status
    assert list(Source.objects.values_list("name", flat=True)) == ["Keep"]


# ------------------------------------------------------------------------ unregistered


def test_unregistered_domains_are_listed_with_counts_and_registered_in_one_step(client_for):
    claim = ClaimFactory()
    for i in range(2):
        link = LinkFactory(url=f"https://news.example.org/{i}", host="news.example.org")
        EvidenceFactory(claim=ClaimFactory(), link=link, source=None)
    LinkFactory(url="https://example.org/", host="example.org")
    LinkFactory(url="https://other.example.net/", host="other.example.net")
    registered = SourceFactory(domains=["known.example"])
    LinkFactory(url="https://known.example/", host="known.example", source=registered)

    client = client_for("admin")
    html = client.get(reverse("sources:unregistered")).text
    assert "known.example" not in html
    first = html.index("<strong>example.org</strong>")
    assert first < html.index("<strong>example.net</strong>")  # evidence first
    row = html[first : html.index("</tr>", first)]
    assert re.findall(r'<td class="num"[^>]*>(\d+)</td>', row) == ["3", "0", "2"]
    assert "news.example.org" in row

    response = client.post(
        reverse("sources:register_domain"),
        {"domain": "example.org", "name": "Example News", "kind": "news"},
    )
    assert response.status_code == 302 and response["Location"] == "/review/sources/unregistered/"
    source = Source.objects.get(name="Example News")
    assert source.kind == "news"
    assert Link.objects.filter(host__endswith="example.org", source=source).count() == 3
    assert claim.pk  # the unrelated claim is untouched
    after = client.get(reverse("sources:unregistered")).text
    assert "<strong>example.org</strong>" not in after and "example.net" in after


def test_registering_an_owned_domain_shows_why(client_for):
    SourceFactory(name="Owner", domains=["example.org"])
    response = client_for("admin").post(
        reverse("sources:register_domain"), {"domain": "example.org", "name": "", "kind": "news"}
    )
    assert response.status_code == 400
    assert "example.org already belongs to Owner." in response.text


def test_reviewers_see_the_unregistered_list_without_the_register_buttons(client_for):
    LinkFactory(url="https://example.org/", host="example.org")
    html = client_for("reviewer").get(reverse("sources:unregistered")).text
    assert "<strong>example.org</strong>" in html and "Register</button>" not in html


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_admins_register_domains(client_for, persona):
    response = client_for(persona).post(
        reverse("sources:register_domain"), {"domain": "example.org", "kind": "other"}
    )
    expected = {"anonymous": 302, "admin": 302}.get(persona, 403)
    assert response.status_code == expected
    assert Source.objects.exists() == (persona == "admin")


# ------------------------------------------------------------------------ CSV pages


CSV = "name,kind,domains,rating,rating_rationale\nBBC,news,bbc.co.uk,high,Good.\n"


def _upload(client: Client, text: str | bytes, name: str = "sources.csv"):
    data = text.encode("utf-8") if isinstance(text, str) else text
    return client.post(reverse("sources:import"), {"file": SimpleUploadedFile(name, data)})


def test_a_large_file_s_preview_lists_refused_rows_first_and_counts_the_rest(client_for):
    from sources.source_views import PREVIEW_ROWS

    rows = [f"Outlet {i},news,o{i}.example,high,Checked." for i in range(PREVIEW_ROWS + 150)]
    for line in (7, 120, 260):  # a rating without its rationale: refused
        rows[line] = f"Outlet {line},news,o{line}.example,low,"
    preview = _upload(
        client_for("admin"), "name,kind,domains,rating,rating_rationale\n" + "\n".join(rows)
    )
    assert preview.status_code == 200
    page = preview.text
    assert f"{PREVIEW_ROWS + 147} to create" in page and "3 refused" in page
    listed = re.findall(r'<tr class="import-row-(\w+)">', page)
    assert listed[:3] == ["refuse"] * 3 and listed[3:] == ["create"] * PREVIEW_ROWS
    assert "147 more rows not listed (refused rows are listed first)" in page
    assert len(preview.content) < 200_000 and not Source.objects.exists()


def test_an_upload_is_previewed_then_imported_on_confirmation(client_for):
    client = client_for("admin")
    preview = _upload(client, CSV)
    assert preview.status_code == 200
    assert "1 to create" in preview.text and not Source.objects.exists()
    payload = re.search(r'name="payload" value="([^"]+)"', preview.text).group(1)
    done = client.post(reverse("sources:import_confirm"), {"payload": payload})
    # A background job imports it (tests/sources/test_source_import_job.py); its page follows.
    job = SourceImportJob.objects.get()
    assert done.status_code == 302
    assert done["Location"] == reverse("sources:import_job", kwargs={"pk": job.pk})
    assert not Source.objects.exists()
    services.source_import_job_run(job_id=job.pk)
    assert "1 source added" in client.get(done["Location"]).text
    assert Source.objects.get(name="BBC").rating == "high"
    assert AuditEvent.objects.get(action="sources.source.imported").changes["file"] == (
        "sources.csv"
    )


def test_a_refused_file_has_no_import_button(client_for):
    response = _upload(client_for("admin"), "name,kind\nX,tabloid\n")
    assert "Nothing will be imported" in response.text
    assert "“tabloid” is not a kind" in response.text
    assert 'name="payload"' not in response.text


def test_a_file_that_is_not_utf8_is_refused_on_the_preview(client_for):
    response = _upload(client_for("admin"), "name\nCafé\n".encode("cp1252"))
    assert "not UTF-8" in response.text and 'name="payload"' not in response.text


def test_a_file_over_the_limit_is_refused_without_reading_it_all(client_for, settings):
    settings.FACTCHECK_SOURCES_IMPORT_MAX_BYTES = 50
    response = _upload(client_for("admin"), CSV * 3)
    assert "the limit is 50 bytes" in response.text


def test_an_altered_preview_imports_nothing(client_for):
    client = client_for("admin")
    payload = re.search(r'name="payload" value="([^"]+)"', _upload(client, CSV).text).group(1)
    response = client.post(reverse("sources:import_confirm"), {"payload": payload[:-3] + "abc"})
    assert response.status_code == 302 and response["Location"] == "/review/sources/import/"
    assert not Source.objects.exists()


def test_a_preview_that_went_stale_is_shown_again_with_why(client_for):
    client = client_for("admin")
    payload = re.search(r'name="payload" value="([^"]+)"', _upload(client, CSV).text).group(1)
    SourceFactory(name="Other", domains=["bbc.co.uk"])  # someone registers the domain
    response = client.post(reverse("sources:import_confirm"), {"payload": payload})
    services.source_import_job_run(job_id=SourceImportJob.objects.get().pk)
    response = client.get(response["Location"])
    assert "Failed" in response.text and "nothing was imported" in response.text
    assert "bbc.co.uk already belongs to Other" in response.text
    assert not Source.objects.filter(name="BBC").exists()


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_admins_confirm_an_import(client_for, persona):
    admin = client_for("admin")
    payload = re.search(r'name="payload" value="([^"]+)"', _upload(admin, CSV).text).group(1)
    response = client_for(persona).post(reverse("sources:import_confirm"), {"payload": payload})
    expected = {"anonymous": 302, "admin": 302}.get(persona, 403)
    assert response.status_code == expected
    assert SourceImportJob.objects.exists() == (persona == "admin")
    if persona == "anonymous":
        assert "login" in response["Location"]


def test_the_export_follows_the_lists_filters_and_opens_in_spreadsheets(client_for):
    SourceFactory(name="Wire", kind="wire", domains=["wire.example"])
    SourceFactory(name="Blog", kind="blog")
    response = client_for("reviewer").get(f"{reverse('sources:export')}?kind=wire")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment;" in response["Content-Disposition"]
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeffname,kind,home_url,domains,")
    assert body.splitlines()[1:] == ["Wire,wire,,wire.example,,,unrated,,"]


# ------------------------------------------------------------------------ Django admin


def test_the_admin_lists_and_searches_sources_by_domain(client_for):
    SourceFactory(name="BBC", domains=["bbc.co.uk"])
    SourceFactory(name="Reuters", domains=["reuters.com"])
    client = client_for("admin")
    html = client.get("/admin/sources/source/?q=reuters.com").text
    assert "Reuters" in html and ">BBC<" not in html
    filtered = client.get("/admin/sources/source/?rating__exact=unrated&has_domains=yes")
    assert filtered.status_code == 200 and "Reuters" in filtered.text


def _admin_form(source_name: str, domains: list[str], **fields) -> dict:
    data = {
        "name": source_name,
        "kind": "news",
        "home_url": "",
        "country": "",
        "language": "",
        "rating": "unrated",
        "rating_rationale": "",
        "notes": "",
        "domains-TOTAL_FORMS": str(len(domains)),
        "domains-INITIAL_FORMS": "0",
        "domains-MIN_NUM_FORMS": "0",
        "domains-MAX_NUM_FORMS": "1000",
        "ratings-TOTAL_FORMS": "0",
        "ratings-INITIAL_FORMS": "0",
        "ratings-MIN_NUM_FORMS": "0",
        "ratings-MAX_NUM_FORMS": "1000",
        **fields,
    }
    for i, domain in enumerate(domains):
        data[f"domains-{i}-domain"] = domain
    return data


def test_adding_a_source_in_the_admin_goes_through_the_services(client_for):
    link = LinkFactory(url="https://www.example.org/", host="www.example.org")
    client = client_for("admin")
    response = client.post(
        "/admin/sources/source/add/",
        _admin_form("Example", ["WWW.Example.org"], rating="mixed", rating_rationale="Varies."),
    )
    assert response.status_code == 302, response.text[:3000]
    source = Source.objects.get(name="Example")
    assert list(source.domains.values_list("domain", flat=True)) == ["example.org"]
    assert source.ratings.get().rating == "mixed"
    link.refresh_from_db()
    assert link.source == source
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"sources.source.created", "sources.source.rating_changed"} <= actions


def test_the_admin_refuses_a_domain_owned_by_another_source(client_for):
    SourceFactory(name="Owner", domains=["example.org"])
    response = client_for("admin").post(
        "/admin/sources/source/add/", _admin_form("Thief", ["example.org"])
    )
    assert response.status_code == 200
    assert "example.org already belongs to Owner." in response.text
    assert not Source.objects.filter(name="Thief").exists()


def test_the_admin_exports_the_selected_sources(client_for):
    chosen = SourceFactory(name="Chosen", domains=["chosen.example"])
    SourceFactory(name="Other")
    response = client_for("admin").post(
        "/admin/sources/source/",
        {"action": "export_csv", "_selected_action": [chosen.pk]},
    )
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[1].startswith("Chosen,other,,chosen.example")
    assert len(lines) == 2


def test_the_admin_shows_the_rating_history_read_only(client_for, admin_persona):
    from sources import services

    source = SourceFactory(name="Rated")
    services.source_rate(
        source=source,
        user=admin_persona,
        rating="low",
        rationale="Sloppy.",
        version=NO_VERSION_CHECK,
    )
    html = client_for("admin").get(f"/admin/sources/source/{source.pk}/change/").text
    assert "Sloppy." in html and "rating history" in html.lower()


# ------------------------------------------------------------------------ evidence shown


def test_claim_pages_name_the_source_its_rating_then_or_the_unregistered_domain(client_for):
    from reader.selectors import claim_path
    from tests.factories import published_claim

    claim = published_claim()
    rated = SourceFactory(name="Rated Source", domains=["rated.example"])
    rating = SourceRating.objects.create(source=rated, rating="high", rating_rationale="Good.")
    EvidenceFactory(
        claim=claim,
        link=LinkFactory(url="https://rated.example/a", host="rated.example", source=rated),
        source=rated,
        source_rating=rating,
    )
    EvidenceFactory(
        claim=claim,
        link=LinkFactory(url="https://nobody.example/b", host="nobody.example"),
        source=None,
    )
    desk = client_for("reviewer").get(reverse("claims:claim_detail", args=[claim.pk])).text
    assert "Rated Source</a> (rated high when added)" in desk
    assert "nobody.example (unregistered domain)" in desk
    public = client_for("anonymous").get(claim_path(claim)).text
    assert '<span class="evidence-publisher">Rated Source</span>' in public
    assert '<span class="evidence-publisher">nobody.example</span>' in public
    assert "2 sources from 2 publishers consulted" in public


def test_a_verdict_resting_on_two_pieces_of_evidence_from_one_source_counts_once(reviewer):
    from sources.selectors import source_stats

    source = _source_with_work("BBC", domain="bbc.co.uk", alive=2)
    first = source.links.order_by("pk").first()
    claim = first.evidence.get().claim
    EvidenceFactory(claim=claim, link=source.links.order_by("pk").last(), source=source)
    stats = source_stats(user=reviewer, source_ids=[source.pk])[source.pk]
    assert (stats.evidence, stats.verdicts, stats.links) == (2, 1, 2)
