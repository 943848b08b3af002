"""Settings for ``make run`` on a developer's or desk's own machine."""

from factcheck.lib.env import env_bool, env_str
from factcheck.settings.base import *  # noqa: F403

# Off by default: a desk running `make run` sees the site's own 404 and 500 pages, never
# Django's debug pages (which show settings and code). DJANGO_DEBUG=true turns them on.
DEBUG = env_bool("DJANGO_DEBUG", False)
# A development key only: production refuses to start without DJANGO_SECRET_KEY.
SECRET_KEY = env_str("DJANGO_SECRET_KEY") or "local-development-only-not-secret"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Static files served by WhiteNoise straight from the apps' and static/ folders, without
# collectstatic, whether DEBUG is on or off.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
