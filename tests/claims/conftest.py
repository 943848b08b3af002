"""Fixtures for the claims tests."""

from __future__ import annotations

import re

import pytest
from django.conf import settings as django_settings


def keyword_scores(sentences: list[str], language: str = "en") -> list[float]:
    """A stand-in for the model of any language: a sentence with a digit is check-worthy
    (0.9), others 0.1."""
    return [0.9 if re.search(r"\d", sentence) else 0.1 for sentence in sentences]


@pytest.fixture
def patch_setting(monkeypatch):
    """Change a setting for one test without ``override_settings``.

    pytest-django's ``settings`` fixture wraps settings in an override whose
    ``SETTINGS_MODULE`` is ``None``, which the system checks run by a starting Celery worker
    do not accept; tests that start a worker use this instead.
    """

    def patch(name: str, value) -> None:
        monkeypatch.setattr(django_settings, name, value)

    return patch


@pytest.fixture
def keyword_scorer(monkeypatch, patch_setting):
    """Deterministic scores, so a test decides which sentences become claims."""
    monkeypatch.setattr("claims.nlp.score_sentences", keyword_scores)
    patch_setting("FACTCHECK_CHECKWORTHINESS_THRESHOLD", 0.5)
    return keyword_scores
