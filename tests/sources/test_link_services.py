"""``link_get_or_create``: one ``Link`` row per normalised URL, attached to the source owning
its domain, whoever creates it first. The race (two requests creating the same URL at once)
gives one row: on PostgreSQL with real threads, and on any database through the
IntegrityError path, with the row made by "someone else" between the look-up and the insert.
"""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from sources import registry
from sources.models import Link
from sources.services import link_get_or_create
from tests.factories import SourceFactory

URL = "https://news.example.org/2024/budget"


@pytest.mark.django_db
def test_a_new_url_becomes_one_normalised_link_attached_to_its_source():
    source = SourceFactory(domains=["example.org"])
    link, created = link_get_or_create(url="  HTTPS://News.Example.org:443/2024/budget#top ")
    assert created is True
    assert (link.url, link.host, link.source) == (URL, "news.example.org", source)
    again, created_again = link_get_or_create(url=URL)
    assert (again.pk, created_again) == (link.pk, False)
    assert Link.objects.count() == 1


@pytest.mark.django_db
def test_a_link_on_an_unregistered_domain_has_no_source():
    link, created = link_get_or_create(url="http://nobody-owns.example.net/")
    assert created and link.source is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url, message",
    [
        ("", "is not a web address"),
        ("ftp://example.org/file", "is not a web address"),
        ("https:///no-host", "is not a web address"),
        ("https://example.org/" + "a" * 2000, "too long"),
    ],
)
def test_an_unusable_address_is_refused_on_the_url_field(url, message):
    with pytest.raises(ValidationError) as caught:
        link_get_or_create(url=url)
    assert message in " ".join(caught.value.message_dict["url"])
    assert not Link.objects.exists()


@pytest.mark.django_db
def test_a_link_created_between_the_look_up_and_the_insert_is_read_back(monkeypatch):
    """The other request's row appears after this one's look-up found nothing: the insert
    fails on the unique URL inside a savepoint, and its row is returned."""
    real_source_for_host = registry.source_for_host
    made = []

    def someone_else_first(host):
        # Called between the look-up and the insert: the concurrent request commits now.
        made.append(Link.objects.create(url=URL, host=host))
        return real_source_for_host(host)

    monkeypatch.setattr(registry, "source_for_host", someone_else_first)
    with transaction.atomic():
        link, created = link_get_or_create(url=URL)
        # The caller's transaction is still usable (the failed insert had its savepoint).
        assert Link.objects.filter(url=URL).count() == 1
    assert len(made) == 1
    assert (link.pk, created) == (made[0].pk, False)
    assert Link.objects.count() == 1


# ------------------------------------------------------------------ real concurrency

WRITERS = 8


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_concurrent_creations_of_one_url_make_one_link(monkeypatch):
    """WRITERS requests, each on its own connection inside its own transaction (as ingestion
    and evidence call it), all pass the look-up before any inserts: one row, one creator."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL): SQLite runs one writer at a time")
    SourceFactory(domains=["example.org"])
    real_source_for_host = registry.source_for_host
    looked_up = threading.Barrier(WRITERS)

    def after_every_look_up(host):
        # Every writer has found no row before any of them inserts: the race, every time.
        looked_up.wait(timeout=30)
        return real_source_for_host(host)

    monkeypatch.setattr(registry, "source_for_host", after_every_look_up)
    spellings = [URL, URL.upper().replace("/2024/BUDGET", "/2024/budget"), f"{URL}#n"]
    outcomes: list[tuple] = []
    lock = threading.Lock()

    def create(n: int) -> None:
        from django.db import connections

        try:
            with transaction.atomic():
                link, created = link_get_or_create(url=spellings[n % len(spellings)])
            result = ("ok", link.pk, created)
        except Exception as exc:  # pragma: no cover - reported by the assertion below
            result = ("error", f"{type(exc).__name__}: {exc}", None)
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=create, args=(n,)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(outcomes) == WRITERS and all(o[0] == "ok" for o in outcomes), outcomes
    link = Link.objects.get()
    assert {pk for _, pk, _ in outcomes} == {link.pk}
    assert sorted(created for _, _, created in outcomes) == [False] * (WRITERS - 1) + [True]
    assert link.url == URL and link.source is not None
