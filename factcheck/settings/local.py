"""Settings for ``make run`` on a developer's or desk's own machine."""

from factcheck.lib.env import env_str
from factcheck.settings.base import *  # noqa: F403

DEBUG = True
# A development key only: production refuses to start without DJANGO_SECRET_KEY.
SECRET_KEY = env_str("DJANGO_SECRET_KEY") or "local-development-only-not-secret"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
