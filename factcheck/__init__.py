"""Project wiring for the fact-checking workbench (settings, Celery app, URLs, checks)."""

from factcheck.celery_app import app as celery_app

__all__ = ["celery_app"]
