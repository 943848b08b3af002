"""Fixtures for the link-health tests: settings patches a starting worker accepts, loopback
servers allow-listed for the fetcher's guard, and a fast stand-in for the claim scorer."""

from __future__ import annotations

import re

import pytest
from django.conf import settings as django_settings


@pytest.fixture
def patch_setting(monkeypatch):
    """Change a setting for one test without ``override_settings`` (whose ``SETTINGS_MODULE``
    of ``None`` the system checks of a starting Celery worker refuse)."""

    def patch(name: str, value) -> None:
        monkeypatch.setattr(django_settings, name, value, raising=False)

    return patch


@pytest.fixture
def allow_servers(patch_setting):
    """Allow-list loopback test servers (``host:port``) for the fetcher's address guard."""

    def allow(*servers) -> None:
        patch_setting(
            "FACTCHECK_FETCH_ALLOW_HOSTS", [f"{server.host}:{server.port}" for server in servers]
        )

    return allow


@pytest.fixture
def fast_link_settings(patch_setting):
    """Politeness and timeouts small enough for tests."""
    patch_setting("FACTCHECK_LINK_PER_HOST_INTERVAL", 0.0)
    patch_setting("FACTCHECK_FETCH_TOTAL_TIMEOUT", 5.0)
    patch_setting("FACTCHECK_FETCH_CONNECT_TIMEOUT", 2.0)
    patch_setting("FACTCHECK_FETCH_READ_TIMEOUT", 2.0)


@pytest.fixture
def digit_scorer(monkeypatch, patch_setting):
    """Claims are the sentences with a digit: no model is loaded."""
    patch_setting("FACTCHECK_CHECKWORTHINESS_THRESHOLD", 0.5)
    monkeypatch.setattr(
        "claims.nlp.score_sentences",
        lambda sentences: [0.9 if re.search(r"\d", s) else 0.1 for s in sentences],
    )
