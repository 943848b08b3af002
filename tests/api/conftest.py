"""API fixtures: ``api_for(persona)`` -> a DRF client sending that persona's API token
(anonymous: none); each test its own throttle counters."""

from __future__ import annotations

import uuid

import pytest
from rest_framework.test import APIClient

from api import services
from tests.conftest import PERSONAS, _persona_user


@pytest.fixture(autouse=True)
def _throttle_namespace(monkeypatch):
    """Throttle counters live in the cache by client address: each test starts afresh."""
    monkeypatch.setattr(
        "api.throttling._Throttle.cache_format",
        f"api-throttle-{uuid.uuid4().hex[:12]}:%(scope)s:%(ident)s",
    )


def token_client(secret: str | None) -> APIClient:
    client = APIClient()
    if secret:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


@pytest.fixture
def api_for(roles):
    """``api_for("editor")`` -> an APIClient with a fresh token of that persona."""
    made: dict[str, APIClient] = {}

    def make(persona: str) -> APIClient:
        if persona not in PERSONAS:
            raise ValueError(f"unknown persona {persona!r}")
        if persona not in made:
            secret = None
            if persona != "anonymous":
                user = _persona_user(persona)
                secret = services.token_create(user=user, name=f"{persona} CMS").secret
            made[persona] = token_client(secret)
        return made[persona]

    return make
