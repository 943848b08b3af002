"""Every named URL, every persona: the status each must get.

A URL pattern added without a row here fails ``test_every_named_url_is_in_the_matrix``.
Django admin's own pages are covered through ``admin:index`` (the admin checks staff
status itself for every page under it).
"""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.conftest import PERSONAS
from tests.factories import ArticleFactory

OK, LOGIN, FORBIDDEN, HEALTH = "ok", "login", "forbidden", "health"

# name -> (kwargs maker, {persona: expectation}); a missing persona means OK.
_EVERYONE = dict.fromkeys(PERSONAS, OK)
_STAFF_ONLY = {**dict.fromkeys(PERSONAS, LOGIN), "admin": OK}
_REVIEWERS = {
    "anonymous": LOGIN,
    "outsider": FORBIDDEN,
    "reader": FORBIDDEN,
    "reviewer": OK,
    "editor": OK,
    "admin": OK,
}

MATRIX = {
    "home": (dict, _EVERYONE),
    "article_detail": (lambda: {"key": ArticleFactory().slug}, _EVERYONE),
    "login": (dict, _EVERYONE),
    "logout": (dict, None),  # POST-only; checked in test_auth.py
    "healthz": (dict, dict.fromkeys(PERSONAS, HEALTH)),
    "review:home": (dict, _REVIEWERS),
    "admin:index": (dict, _STAFF_ONLY),
}


def _named_patterns(resolver=None, namespace=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace
            if ns == "admin":
                yield "admin:index"
                continue
            prefix = f"{namespace}{ns}:" if ns else namespace
            yield from _named_patterns(entry, prefix)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}"


def test_every_named_url_is_in_the_matrix():
    names = set(_named_patterns())
    assert names - MATRIX.keys() == set(), "add these URL names to the authorization matrix"
    assert MATRIX.keys() - names == set(), "these matrix rows name no URL any more"


CASES = [
    (name, persona)
    for name, (_, expected) in MATRIX.items()
    if expected is not None
    for persona in PERSONAS
]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "persona"), CASES)
def test_each_persona_gets_the_expected_status(name, persona, client_for):
    make_kwargs, expected = MATRIX[name]
    url = reverse(name, kwargs=make_kwargs())
    response = client_for(persona).get(url)
    expectation = expected.get(persona, OK)
    if expectation == OK:
        assert response.status_code == 200, (url, persona)
    elif expectation == LOGIN:
        assert response.status_code == 302, (url, persona)
        assert "login" in response["Location"], (url, persona)
    elif expectation == FORBIDDEN:
        assert response.status_code == 403, (url, persona)
    elif expectation == HEALTH:
        # Public and never a redirect; 503 while no worker has answered in tests.
        assert response.status_code in {200, 503}, (url, persona)
        assert response["Content-Type"] == "application/json"
