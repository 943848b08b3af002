"""The interface's language (factcheck/lib/languages.py): reader addresses carry it, staff
pages follow the person's choice, the switcher remembers it."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client

from factcheck.lib.models import LanguagePreference
from tests.conftest import _persona_user

pytestmark = pytest.mark.django_db

CODES = [code for code, _name in settings.LANGUAGES]


def _html_attrs(response) -> tuple[str, str]:
    match = re.search(r'<html lang="([^"]+)" dir="([^"]+)">', response.content.decode())
    assert match, response.content[:300]
    return match.group(1), match.group(2)


def test_the_default_language_keeps_the_addresses_without_a_prefix():
    response = Client().get("/")
    assert response.status_code == 200
    assert _html_attrs(response) == ("en", "ltr")
    assert response["Content-Language"] == "en"


@pytest.mark.parametrize(("code", "direction"), [("es", "ltr"), ("pt-br", "ltr"), ("ar", "rtl")])
def test_a_reader_address_names_its_language_and_direction(code, direction):
    response = Client().get(f"/{code}/")
    assert response.status_code == 200
    assert _html_attrs(response) == (code, direction)
    assert response["Content-Language"] == code


def test_a_language_the_site_does_not_offer_has_no_address():
    assert Client().get("/ja/").status_code == 404


def test_reader_pages_announce_every_language_with_absolute_hreflang_links():
    html = Client().get("/corrections/?page=1").content.decode()
    links = dict(re.findall(r'<link rel="alternate" hreflang="([^"]+)" href="([^"]+)">', html))
    assert set(links) == {*CODES, "x-default"}
    assert links["en"] == links["x-default"] == "http://testserver/corrections/"
    assert links["es"] == "http://testserver/es/corrections/"
    assert links["ar"] == "http://testserver/ar/corrections/"


def test_staff_pages_carry_no_hreflang_links(client_for):
    html = client_for("reviewer").get("/review/claims/").content.decode()
    assert 'hreflang="es" href=' not in html


def test_a_first_visit_is_sent_to_the_browsers_language_once():
    client = Client()
    response = client.get("/corrections/", HTTP_ACCEPT_LANGUAGE="es-ES,es;q=0.9,en;q=0.5")
    assert response.status_code == 302
    assert response["Location"] == "/es/corrections/"
    assert "no-store" in response["Cache-Control"]
    # The browser's first choice that the site offers; a language it does not offer is skipped.
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="ja, ar;q=0.8")
    assert response["Location"] == "/ar/"
    # English, or nothing the site offers: the page itself.
    assert client.get("/", HTTP_ACCEPT_LANGUAGE="en-GB,es;q=0.5").status_code == 200
    assert client.get("/", HTTP_ACCEPT_LANGUAGE="ja").status_code == 200
    # Feeds and machine-read addresses are never redirected.
    assert client.get("/feeds/fact-checks/", HTTP_ACCEPT_LANGUAGE="es").status_code == 200


def test_a_readers_choice_is_remembered_and_beats_the_browser():
    client = Client()
    response = client.get("/language/en/", {"next": "/es/corrections/"})
    assert response.status_code == 302
    assert response["Location"] == "/corrections/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    # Chosen English: no redirect any more, whatever the browser asks for.
    page = client.get("/corrections/", HTTP_ACCEPT_LANGUAGE="es")
    assert page.status_code == 200
    assert _html_attrs(page) == ("en", "ltr")
    response = client.get("/language/ar/", {"next": "/corrections/"})
    assert response["Location"] == "/ar/corrections/"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "javascript:x"])
def test_the_switcher_never_leaves_the_site(target):
    response = Client().get("/language/es/", {"next": target})
    assert response["Location"] == "/es/"


def test_an_unknown_language_changes_nothing():
    response = Client().get("/language/xx/", {"next": "/corrections/"})
    assert response["Location"] == "/corrections/"
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies


def test_staff_pages_follow_the_browser_until_a_choice_is_saved(client_for):
    client = client_for("reviewer")
    page = client.get("/review/claims/", HTTP_ACCEPT_LANGUAGE="fr")
    assert page.status_code == 200
    assert _html_attrs(page) == ("fr", "ltr")
    assert page["Content-Language"] == "fr"
    # The switcher of a signed-in person is a form (the page is theirs alone).
    assert 'action="/language/set/"' in page.content.decode()
    response = client.post("/language/set/", {"language": "ar", "next": "/review/claims/"})
    assert response.status_code == 302
    assert response["Location"] == "/review/claims/"
    assert LanguagePreference.objects.get(user=_persona_user("reviewer")).language == "ar"
    page = client.get("/review/claims/", HTTP_ACCEPT_LANGUAGE="fr")
    assert _html_attrs(page) == ("ar", "rtl")


def test_a_saved_choice_follows_the_person_to_a_new_browser(roles):
    user = _persona_user("editor")
    LanguagePreference.objects.create(user=user, language="de")
    client = Client()
    client.force_login(user)
    page = client.get("/review/claims/", HTTP_ACCEPT_LANGUAGE="es")
    assert _html_attrs(page) == ("de", "ltr")


def test_saving_an_unknown_language_or_without_a_token_saves_nothing(client_for):
    client = client_for("reviewer")
    client.post("/language/set/", {"language": "xx"})
    assert not LanguagePreference.objects.exists()
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(_persona_user("editor"))
    assert strict.post("/language/set/", {"language": "es"}).status_code == 403
    assert not LanguagePreference.objects.exists()


def test_the_javascript_catalog_is_named_by_language_and_cacheable(client_for):
    response = Client().get("/jsi18n/es/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert "public" in response["Cache-Control"]
    assert b"django.gettext" in response.content or b"gettext" in response.content
    # Signed-in pages load it before their own scripts, in the page's language.
    html = client_for("reviewer").get("/review/claims/", HTTP_ACCEPT_LANGUAGE="de").content
    assert b'<script src="/jsi18n/de/" defer></script>' in html


@pytest.mark.parametrize(
    ("persona", "code", "name"),
    [("reviewer", "es", "revisor"), ("editor", "de", "Redakteur"), ("admin", "ar", "مسؤول")],
)
def test_the_header_names_the_role_in_the_pages_language(client_for, persona, code, name):
    english = client_for(persona).get("/review/claims/", HTTP_ACCEPT_LANGUAGE="en")
    assert f'<span class="role">{persona}</span>' in english.content.decode()
    page = client_for(persona).get("/review/claims/", HTTP_ACCEPT_LANGUAGE=code)
    assert f'<span class="role">{name}</span>' in page.content.decode()
