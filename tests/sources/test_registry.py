"""The domain registry: normalising domains and finding the source owning a host."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from sources.registry import (
    display_domain,
    domain_candidates,
    normalize_domain,
    resolve_hosts,
    source_for_host,
    source_for_url,
    unregistered_key,
)
from tests.factories import SourceFactory


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("example.org", "example.org"),
        ("  EXAMPLE.Org.  ", "example.org"),
        ("www.bbc.co.uk", "bbc.co.uk"),
        ("https://www.bbc.co.uk/news?x=1", "bbc.co.uk"),
        ("news.bbc.co.uk/some/path", "news.bbc.co.uk"),
        ("bbc.co.uk:8443", "bbc.co.uk"),
        ("www.news.bbc.co.uk", "news.bbc.co.uk"),
        # www is part of the registrable domain under the public suffix gov.uk: kept.
        ("www.gov.uk", "www.gov.uk"),
        ("пример.рф", "xn--e1afmkfd.xn--p1ai"),
        ("Straße.de", "xn--strae-oqa.de"),
        ("foo.blogspot.com", "foo.blogspot.com"),
        ("[2001:DB8::1]", "2001:db8::1"),
        ("192.0.2.7", "192.0.2.7"),
    ],
)
def test_domains_are_stored_normalised(given, stored):
    assert normalize_domain(given) == stored


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("", "Give a domain"),
        ("co.uk", "public suffix"),
        ("gov.uk", "public suffix"),
        ("com", "public suffix"),
        ("blogspot.com", "public suffix"),
        ("exa mple.com", "not a domain name"),
        ("a..b.com", "not a domain name"),
        ("-bad.example.com", "not a domain name"),
        ("https://", "no domain"),
        ("x" * 64 + ".com", "not a domain name"),
    ],
)
def test_it_refuses_what_is_not_a_registrable_domain(given, message):
    with pytest.raises(ValidationError, match=message):
        normalize_domain(given)


def test_a_host_is_looked_up_from_itself_down_to_its_registrable_domain():
    assert domain_candidates("a.b.bbc.co.uk") == ["a.b.bbc.co.uk", "b.bbc.co.uk", "bbc.co.uk"]
    assert domain_candidates("WWW.BBC.CO.UK.") == ["www.bbc.co.uk", "bbc.co.uk"]
    assert domain_candidates("x.www.gov.uk") == ["x.www.gov.uk", "www.gov.uk"]
    assert domain_candidates("127.0.0.1") == ["127.0.0.1"]
    # A suffix the public suffix list does not know: every parent of two labels or more.
    assert domain_candidates("a.intranet.corp") == ["a.intranet.corp", "intranet.corp"]
    assert domain_candidates("localhost") == ["localhost"]


def test_unregistered_hosts_are_listed_under_their_registrable_domain():
    assert unregistered_key("news.example.org") == "example.org"
    assert unregistered_key("www.gov.uk") == "www.gov.uk"
    assert unregistered_key("10.0.0.1") == "10.0.0.1"


def test_a_stored_domain_reads_as_people_write_it():
    assert display_domain("xn--e1afmkfd.xn--p1ai") == "пример.рф"
    assert display_domain("example.org") == "example.org"


@pytest.mark.django_db
def test_the_longest_registered_domain_wins():
    bbc = SourceFactory(name="BBC", domains=["bbc.co.uk"])
    news = SourceFactory(name="BBC News", domains=["news.bbc.co.uk"])
    assert source_for_host("news.bbc.co.uk") == news
    assert source_for_host("live.news.bbc.co.uk") == news
    assert source_for_host("www.bbc.co.uk") == bbc
    assert source_for_host("sport.bbc.co.uk") == bbc
    assert source_for_url("https://www.bbc.co.uk/weather") == bbc
    assert source_for_host("bbc.com") is None
    # Never above the registrable domain: nobody owns co.uk.
    assert source_for_host("other.co.uk") is None


@pytest.mark.django_db
def test_an_idn_link_finds_the_source_registered_in_unicode():
    source = SourceFactory(domains=["пример.рф"])
    assert source_for_url("https://новости.пример.рф/статья") == source


@pytest.mark.django_db
def test_many_hosts_resolve_in_one_query(django_assert_num_queries):
    bbc = SourceFactory(domains=["bbc.co.uk"])
    gov = SourceFactory(domains=["www.gov.uk"])
    with django_assert_num_queries(1):
        resolved = resolve_hosts(["www.bbc.co.uk", "news.bbc.co.uk", "www.gov.uk", "x.org"])
    assert resolved == {
        "www.bbc.co.uk": bbc.pk,
        "news.bbc.co.uk": bbc.pk,
        "www.gov.uk": gov.pk,
        "x.org": None,
    }
