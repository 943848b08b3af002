from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.db.models import Count
from django.urls import include, path
from django.utils.functional import lazy
from django.utils.translation import gettext as _

from claims.views import rating_styles
from desk.urls import account_urlpatterns
from factcheck import views
from factcheck.lib import languages, metrics
from sources.models import Link

# The admin is titled with the site's name (read when a page is drawn: settings may change).
admin.site.site_header = lazy(
    lambda: _("%(site)s administration") % {"site": settings.FACTCHECK_SITE_NAME}, str
)()
admin.site.site_title = lazy(
    lambda: _("%(site)s admin") % {"site": settings.FACTCHECK_SITE_NAME}, str
)()

handler403 = "factcheck.views.error_403"
handler404 = "factcheck.views.error_404"
handler500 = "factcheck.views.error_500"


def _link_state_counts() -> dict[str, int]:
    """Links by the checker's state (editors' overrides aside): one grouped query."""
    rows = Link.objects.order_by().values_list("state").annotate(total=Count("pk"))
    return dict.fromkeys(Link.State.values, 0) | dict(rows)


# /metrics: the links by state, read at each scrape.
metrics.state_counts_register(
    "factcheck_links", "Links by link-health state.", "state", _link_state_counts
)

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    # Prometheus metrics, for a bearer token or allowed addresses (factcheck/lib/metrics.py).
    path("metrics", metrics.metrics_view, name="metrics"),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", views.LogoutView.as_view(), name="logout"),
    # Password reset and invitations (desk).
    *account_urlpatterns,
    path("admin/", admin.site.urls),
    # Link health and the sources registry (review/links/, review/sources/).
    path("review/", include("sources.urls")),
    # The dashboard, the team, rating scales and the link-check policy (desk).
    path("review/", include("desk.urls")),
    path("review/", include("claims.urls")),
    # The newsrooms' REST API, its schema, docs and the tokens page.
    path("api/v1/", include("api.urls")),
    # The rating colours, for reviewer and reader pages alike.
    path("ratings.css", rating_styles, name="rating_styles"),
    # The interface's language: the switcher (factcheck/lib/languages.py) and the JavaScript
    # catalog of each language (the strings of static/js/).
    path("language/set/", languages.language_set, name="language_set"),
    path("language/<str:code>/", languages.language_switch, name="language_switch"),
    path("jsi18n/<str:code>/", views.javascript_catalog, name="javascript_catalog"),
]

# The reader site (public): English at /, every other language under its prefix (/es/, /ar/).
urlpatterns += i18n_patterns(path("", include("reader.urls")), prefix_default_language=False)
