"""Personas and shared fixtures.

Personas: ``anonymous`` (the reading public), ``outsider`` (an account with no role),
``reader``, ``reviewer``, ``editor`` and ``admin``. ``client_for(persona)`` gives a logged-in
test client for any of them.
"""

from __future__ import annotations

import uuid

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation

from factcheck.lib.roles import ADMIN, EDITOR, READER, REVIEWER, role_assign, roles_sync
from tests.factories import UserFactory
from tests.migrations import migrate_to_latest

PERSONAS = ("anonymous", "outsider", "reader", "reviewer", "editor", "admin")
_ROLE_OF = {"reader": READER, "reviewer": REVIEWER, "editor": EDITOR, "admin": ADMIN}


@pytest.fixture(autouse=True)
def _reader_cache_namespace(monkeypatch):
    """The reader site caches pages by object id (``reader/cache.py``); ids are reused
    between tests (SQLite) and between runs (a shared Redis), so each test gets its own
    cache namespace."""
    monkeypatch.setattr("reader.cache.NAMESPACE", f"reader-test-{uuid.uuid4().hex[:12]}")
    # Cached permissions, reviewer lists and rating levels (factcheck/lib/stamps.py) too.
    monkeypatch.setattr("factcheck.lib.stamps.NAMESPACE", f"stamps-test-{uuid.uuid4().hex[:12]}")


@pytest.fixture(autouse=True)
def _fresh_matching_index(monkeypatch):
    """The matching index lives in the process (``claims/matching.py``) while each test's
    rows are rolled back, and on PostgreSQL their ids are never reused: without this, a
    test's matches would include the claims of the tests before it."""
    monkeypatch.setattr("claims.matching._index", None)


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language: a request to ``/ar/...`` leaves Arabic
    active in the thread (as a worker thread would between requests), and the next test's
    ``reverse()`` of a reader page would carry its prefix."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def at_latest():
    """For a migration test: the database is migrated to the latest migrations afterwards."""
    yield
    migrate_to_latest()


@pytest.fixture
def roles(db):
    return roles_sync()


def _persona_user(name: str):
    user = UserFactory(username=f"persona-{name}")
    if name in _ROLE_OF:
        role_assign(user, _ROLE_OF[name])
    return user


@pytest.fixture
def outsider(roles):
    return _persona_user("outsider")


@pytest.fixture
def reader(roles):
    return _persona_user("reader")


@pytest.fixture
def reviewer(roles):
    return _persona_user("reviewer")


@pytest.fixture
def editor(roles):
    return _persona_user("editor")


@pytest.fixture
def admin_persona(roles):
    return _persona_user("admin")


@pytest.fixture
def client_for(roles):
    """``client_for("editor")`` -> a Client logged in as that persona (anonymous: none)."""
    made: dict[str, Client] = {}

    def make(persona: str) -> Client:
        if persona not in PERSONAS:
            raise ValueError(f"unknown persona {persona!r}")
        if persona not in made:
            client = Client()
            if persona != "anonymous":
                client.force_login(_persona_user(persona))
            made[persona] = client
        return made[persona]

    return make
