"""Services of the sources registry: sources, domains, ratings, attaching links and evidence."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import ProtectedError

from audit.models import AuditEvent
from claims import services as claim_services
from claims.models import CitedLink
from factcheck.lib.versions import NO_VERSION_CHECK
from sources import services
from sources.models import Link, Reliability, Source, SourceDomain, SourceRating
from tests.factories import (
    ArticleFactory,
    ClaimFactory,
    EvidenceFactory,
    LinkFactory,
    SourceFactory,
)

pytestmark = pytest.mark.django_db


def _events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("pk"))


# ------------------------------------------------------------------------ creating


def test_an_admin_registers_a_source_with_its_domains_and_first_rating(admin_persona):
    source = services.source_create(
        user=admin_persona,
        name="BBC",
        kind="news",
        home_url="https://www.bbc.co.uk/",
        domains="www.bbc.co.uk; bbc.com\nbbc.co.uk",
        country="gb",
        language="English",
        rating="high",
        rating_rationale="Corrects errors openly.",
    )
    assert sorted(source.domains.values_list("domain", flat=True)) == ["bbc.co.uk", "bbc.com"]
    assert (source.country, source.language) == ("GB", "en")
    assert (source.rating, source.rating_rationale) == ("high", "Corrects errors openly.")
    rating = source.ratings.get()
    assert (rating.rating, rating.rated_by) == ("high", admin_persona)
    created = _events("sources.source.created")[0]
    assert created.actor == admin_persona and created.target_id == source.pk
    assert created.changes["domains"] == ["bbc.co.uk", "bbc.com"]
    assert _events("sources.source.rating_changed")[0].changes["rating"] == ["unrated", "high"]


def test_an_unrated_source_has_no_rating_history(admin_persona):
    source = services.source_create(user=admin_persona, name="Somebody's blog", kind="blog")
    assert source.rating == Reliability.UNRATED
    assert not source.ratings.exists()


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"name": ""}, "name", "cannot be blank"),
        ({"kind": "tabloid"}, "kind", "Choose a kind"),
        ({"home_url": "not a url"}, "home_url", "valid URL"),
        ({"country": "Atlantis"}, "country", "not a country"),
        ({"language": "klingonish"}, "language", "not a language"),
        ({"rating": "excellent"}, "rating", "Choose a rating"),
        ({"rating": "high"}, "rating_rationale", "rationale"),
        ({"domains": "co.uk"}, "domains", "public suffix"),
    ],
)
def test_bad_input_is_refused_with_a_clear_error_and_stores_nothing(
    admin_persona, fields, field, message
):
    given = {"name": "Example", **fields}
    with pytest.raises(ValidationError) as refused:
        services.source_create(user=admin_persona, **given)
    assert message in " ".join(refused.value.message_dict[field])
    assert not Source.objects.exists() and not AuditEvent.objects.exists()


def test_it_refuses_a_domain_owned_by_another_source(admin_persona):
    SourceFactory(name="BBC", domains=["bbc.co.uk"])
    with pytest.raises(ValidationError) as refused:
        services.source_create(user=admin_persona, name="Imposter", domains="www.bbc.co.uk")
    assert refused.value.message_dict["domains"] == ["bbc.co.uk already belongs to BBC."]
    assert not Source.objects.filter(name="Imposter").exists()


def test_it_refuses_a_name_taken_in_another_case(admin_persona):
    SourceFactory(name="Reuters")
    with pytest.raises(ValidationError, match="already a source named Reuters"):
        services.source_create(user=admin_persona, name="REUTERS")


@pytest.mark.parametrize("persona", ["reviewer", "editor"])
def test_only_admins_change_the_registry(persona, request):
    user = request.getfixturevalue(persona)
    source = SourceFactory()
    with pytest.raises(PermissionDenied):
        services.source_create(user=user, name="Nope")
    with pytest.raises(PermissionDenied):
        services.source_update(source=source, user=user, name="Renamed", version=NO_VERSION_CHECK)
    with pytest.raises(PermissionDenied):
        services.source_rate(
            source=source, user=user, rating="low", rationale="x", version=NO_VERSION_CHECK
        )
    with pytest.raises(PermissionDenied):
        services.source_register_domain(user=user, domain="example.org")
    with pytest.raises(PermissionDenied):
        services.source_delete(source=source, user=user)


# ------------------------------------------------------------------------ ratings


def test_rating_changes_are_versioned_with_who_and_why(admin_persona):
    source = SourceFactory()
    first = services.source_rate(
        source=source,
        user=admin_persona,
        rating="mixed",
        rationale="Some errors.",
        version=NO_VERSION_CHECK,
    )
    second = services.source_rate(
        source=source,
        user=admin_persona,
        rating="low",
        rationale="Repeated fabrications.",
        version=NO_VERSION_CHECK,
    )
    again = services.source_rate(
        source=source,
        user=admin_persona,
        rating="low",
        rationale="Repeated fabrications.",
        version=NO_VERSION_CHECK,
    )
    assert again is None  # nothing changed: no history row
    source.refresh_from_db()
    assert (source.rating, source.rating_rationale) == ("low", "Repeated fabrications.")
    assert list(source.ratings.all()) == [second, first]
    events = _events("sources.source.rating_changed")
    assert [e.changes["rating"] for e in events] == [["unrated", "mixed"], ["mixed", "low"]]
    assert events[1].message == "Repeated fabrications."


def test_a_rating_without_a_rationale_is_refused(admin_persona):
    source = SourceFactory()
    with pytest.raises(ValidationError, match="rationale"):
        services.source_rate(
            source=source,
            user=admin_persona,
            rating="high",
            rationale="  ",
            version=NO_VERSION_CHECK,
        )
    assert not SourceRating.objects.exists()


def test_the_database_refuses_a_rating_without_a_rationale():
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Source.objects.create(name="X", rating="high", rating_rationale="")


def test_evidence_records_the_rating_its_source_had_when_it_was_added(admin_persona, reviewer):
    source = SourceFactory(domains=["example.org"])
    claim = ClaimFactory()
    before = claim_services.evidence_add(
        claim=claim, user=reviewer, url="https://example.org/a", stance="supports"
    )
    services.source_rate(
        source=source,
        user=admin_persona,
        rating="high",
        rationale="Good.",
        version=NO_VERSION_CHECK,
    )
    rated_high = source.ratings.get()
    during = claim_services.evidence_add(
        claim=claim, user=reviewer, url="https://example.org/b", stance="refutes"
    )
    services.source_rate(
        source=source, user=admin_persona, rating="low", rationale="Bad.", version=NO_VERSION_CHECK
    )
    during.refresh_from_db()
    assert before.source_rating is None  # not rated yet when it was added
    assert during.source == source and during.source_rating == rated_high
    assert during.source_rating.rating == "high"  # a record: the later change leaves it
    event = AuditEvent.objects.filter(action="claims.evidence.added").order_by("pk").last()
    assert event.changes["source_rating"] == "high"


# ------------------------------------------------------------------------ attaching


def test_registering_a_domain_attaches_its_links_and_evidence(admin_persona, reviewer):
    claim = ClaimFactory()
    evidence = claim_services.evidence_add(
        claim=claim, user=reviewer, url="https://news.example.org/story", stance="context"
    )
    cited = CitedLink.objects.create(
        article=ArticleFactory(),
        link=LinkFactory(url="https://example.org/x", host="example.org"),
        start=0,
        end=7,
    )
    other = LinkFactory(url="https://example.com/", host="example.com")
    assert evidence.source is None and evidence.link.source is None

    source = services.source_register_domain(user=admin_persona, domain="www.example.org")

    assert (source.name, source.kind, source.rating) == ("example.org", "other", "unrated")
    assert source.home_url == "https://example.org/"
    evidence.refresh_from_db()
    assert evidence.source == source and evidence.link.source == source
    assert evidence.source_rating is None  # it was added while the domain was unknown
    assert Link.objects.get(pk=cited.link_id).source == source
    other.refresh_from_db()
    assert other.source is None
    created = _events("sources.source.created")[0]
    assert "unregistered domains list" in created.message


def test_registering_a_domain_twice_is_refused(admin_persona):
    SourceFactory(name="Example", domains=["example.org"])
    with pytest.raises(ValidationError, match="already belongs to Example"):
        services.source_register_domain(user=admin_persona, domain="example.org")


def test_a_subdomain_registered_separately_takes_its_links_from_the_parent(admin_persona):
    parent = SourceFactory(name="BBC", domains=["bbc.co.uk"])
    news_link = LinkFactory(url="https://news.bbc.co.uk/1", host="news.bbc.co.uk", source=parent)
    www_link = LinkFactory(url="https://www.bbc.co.uk/1", host="www.bbc.co.uk", source=parent)
    evidence = EvidenceFactory(link=news_link, source=parent)

    child = services.source_create(user=admin_persona, name="BBC News", domains="news.bbc.co.uk")

    news_link.refresh_from_db()
    www_link.refresh_from_db()
    evidence.refresh_from_db()
    assert news_link.source == child and evidence.source == child
    assert www_link.source == parent

    # Removing the subdomain gives its links back to the parent.
    services.source_domains_set(
        source=child, user=admin_persona, domains=[], version=NO_VERSION_CHECK
    )
    news_link.refresh_from_db()
    evidence.refresh_from_db()
    assert news_link.source == parent and evidence.source == parent
    changed = _events("sources.source.domains_changed")[0]
    assert changed.changes["domains"] == [["news.bbc.co.uk"], []]


def test_removing_a_domain_leaves_its_links_unregistered(admin_persona):
    source = SourceFactory(domains=["example.org", "example.net"])
    link = LinkFactory(url="https://example.net/", host="example.net", source=source)
    services.source_update(
        source=source, user=admin_persona, domains="example.org", version=NO_VERSION_CHECK
    )
    link.refresh_from_db()
    assert link.source is None
    assert list(source.domains.values_list("domain", flat=True)) == ["example.org"]


def test_updating_records_each_changed_field(admin_persona):
    source = SourceFactory(name="Old name", kind="blog")
    services.source_update(
        source=source,
        user=admin_persona,
        name="New name",
        kind="blog",
        notes="Checked.",
        version=NO_VERSION_CHECK,
    )
    event = _events("sources.source.updated")[0]
    assert event.changes == {"name": ["Old name", "New name"], "notes": ["", "Checked."]}
    services.source_update(source=source, user=admin_persona, kind="blog", version=NO_VERSION_CHECK)
    assert len(_events("sources.source.updated")) == 1  # nothing changed, nothing recorded


def test_a_new_cited_link_is_attached_to_its_source_at_ingestion(digit_scorer):
    from claims.services import article_ingest

    source = SourceFactory(domains=["stats.example.org"])
    html = (
        "<html><body><article><h1>Budget</h1><p>The city spent 4.2 million dollars on "
        "roads, <a href='https://stats.example.org/roads'>the office said</a>. Others cite "
        "<a href='https://unknown.example.net/x'>a blog</a>.</p></article></body></html>"
    )
    article = article_ingest(html=html, title="Budget").article
    links = {c.link.host: c.link.source for c in article.cited_links.select_related("link")}
    assert links == {"stats.example.org": source, "unknown.example.net": None}


def test_a_source_with_evidence_cannot_be_deleted_but_one_without_can(admin_persona):
    used = SourceFactory(domains=["used.example"])
    EvidenceFactory(source=used)
    with pytest.raises(ProtectedError):
        services.source_delete(source=used, user=admin_persona)
    assert Source.objects.filter(pk=used.pk).exists()
    spare = SourceFactory(domains=["spare.example"])
    link = LinkFactory(url="https://spare.example/", host="spare.example", source=spare)
    services.source_delete(source=spare, user=admin_persona)
    link.refresh_from_db()
    assert link.source is None and not SourceDomain.objects.filter(domain="spare.example")
    assert _events("sources.source.deleted")[0].changes["name"] == spare.name


def test_reattaching_repairs_links_loaded_around_the_services(admin_persona):
    source = SourceFactory(domains=["example.org"])
    Link.objects.bulk_create([Link(url="https://a.example.org/", host="a.example.org")])
    report = services.source_links_reattach(sources=[source], user=admin_persona)
    assert report.links == 1
    assert Link.objects.get(host="a.example.org").source == source


# ------------------------------------------------------------------------ migration


def test_the_data_migration_registers_home_page_domains_and_attaches_links():
    migration = importlib.import_module("sources.migrations.0004_source_domains_from_home_urls")
    made_by_hand = Source.objects.create(name="Example", home_url="https://www.example.org/")
    auto = Source.objects.create(
        name="example.org", home_url="https://example.org/", notes=migration.AUTO_NOTE
    )
    Source.objects.create(name="No home page")
    Source.objects.create(name="Bad home", home_url="https://co.uk/")
    link = LinkFactory(url="https://news.example.org/", host="news.example.org")
    evidence = EvidenceFactory(link=link, source=auto)

    migration.register_home_domains(apps, None)

    assert dict(SourceDomain.objects.values_list("domain", "source__name")) == {
        "example.org": "Example"
    }
    link.refresh_from_db()
    assert link.source == made_by_hand
    # Evidence following its link is the claims app's migration (sources stays below claims).
    evidence.refresh_from_db()
    assert evidence.source == auto
    claims_migration = importlib.import_module(
        "claims.migrations.0011_audit_log_moves_to_audit_app"
    )
    claims_migration.evidence_follows_links(apps, None)
    evidence.refresh_from_db()
    assert evidence.source == made_by_hand


def test_a_change_readers_see_refreshes_the_reader_pages(
    admin_persona, django_capture_on_commit_callbacks
):
    from reader import cache

    source = SourceFactory(name="Old name")
    before = cache.stamp(cache.SITE)
    with django_capture_on_commit_callbacks(execute=True):
        services.source_rate(
            source=source, user=admin_persona, rating="low", rationale="x", version=NO_VERSION_CHECK
        )
    assert cache.stamp(cache.SITE) == before  # ratings are not shown to readers
    with django_capture_on_commit_callbacks(execute=True):
        services.source_update(
            source=source, user=admin_persona, name="New name", version=NO_VERSION_CHECK
        )
    assert cache.stamp(cache.SITE) != before
