"""``/api/v1/`` (mounted by factcheck/urls.py). Names are the ``api:`` namespace."""

from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from api import oembed, pages, resources, snapshots, views, writes
from api.problems import problem_response

app_name = "api"


def not_found(request, *args, **kwargs):
    """Any other address under /api/v1/: a problem-details 404, not the site's HTML page."""
    return problem_response(404, "No such endpoint: see /api/v1/docs/.", code="not_found")


urlpatterns = [
    path("fact-checks/", views.FactCheckList.as_view(), name="fact-check-list"),
    path("fact-checks/<int:pk>/", views.FactCheckDetail.as_view(), name="fact-check-detail"),
    path("claims/", views.ClaimList.as_view(), name="claim-list"),
    path("claims/<int:pk>/", views.ClaimDetail.as_view(), name="claim-detail"),
    # Writes, each naming the version it was made from (api/writes.py).
    path("claims/<int:pk>/actions/", writes.ClaimActions.as_view(), name="claim-actions"),
    path("claims/<int:pk>/evidence/", writes.ClaimEvidence.as_view(), name="claim-evidence"),
    path("claims/<int:pk>/verdict/", writes.ClaimVerdict.as_view(), name="claim-verdict"),
    path("claims/<int:pk>/verdict/submit/", writes.VerdictSubmit.as_view(), name="verdict-submit"),
    path(
        "claims/<int:pk>/verdict/publish/",
        writes.VerdictPublish.as_view(),
        name="verdict-publish",
    ),
    path("evidence/<int:pk>/", writes.EvidenceDetail.as_view(), name="evidence-detail"),
    path("evidence/<int:pk>/remove/", writes.EvidenceRemove.as_view(), name="evidence-remove"),
    # What was kept of the cited page, and whether the quote is on it (api/snapshots.py).
    path(
        "evidence/<int:pk>/snapshots/",
        snapshots.EvidenceSnapshots.as_view(),
        name="evidence-snapshots",
    ),
    path(
        "evidence/<int:pk>/snapshots/<int:snapshot_pk>/",
        snapshots.EvidenceSnapshotDetail.as_view(),
        name="evidence-snapshot-detail",
    ),
    path(
        "evidence/<int:pk>/snapshots/<int:snapshot_pk>/warc/",
        snapshots.EvidenceSnapshotWarc.as_view(),
        name="evidence-snapshot-warc",
    ),
    path(
        "cited-links/<int:pk>/snapshot/",
        snapshots.CitedLinkSnapshot.as_view(),
        name="cited-link-snapshot",
    ),
    path("articles/", views.ArticleListCreate.as_view(), name="article-list"),
    path("articles/<int:pk>/", writes.ArticleDetail.as_view(), name="article-detail"),
    path("ingest-jobs/<int:pk>/", views.IngestJobDetail.as_view(), name="ingest-job-detail"),
    path("links/", views.LinkList.as_view(), name="link-list"),
    path("links/<int:pk>/", views.LinkDetail.as_view(), name="link-detail"),
    path("links/<int:pk>/checks/", resources.LinkChecks.as_view(), name="link-checks"),
    # GET reads (reviewers); POST creates, PATCH changes (admins: api/resources.py).
    path("sources/", resources.SourceListCreate.as_view(), name="source-list"),
    path("sources/<int:pk>/", resources.SourceDetailChange.as_view(), name="source-detail"),
    path("checked-before/", views.CheckedBefore.as_view(), name="checked-before"),
    # Who said a claim, where and when (api/resources.py).
    path("claimants/", resources.ClaimantList.as_view(), name="claimant-list"),
    path("claimants/<int:pk>/", resources.ClaimantDetail.as_view(), name="claimant-detail"),
    path("claims/<int:pk>/claimant/", resources.ClaimClaimant.as_view(), name="claim-claimant"),
    path(
        "claims/<int:pk>/appearances/",
        resources.ClaimAppearances.as_view(),
        name="claim-appearances",
    ),
    path(
        "appearances/<int:pk>/remove/",
        resources.AppearanceRemove.as_view(),
        name="appearance-remove",
    ),
    path("oembed/", oembed.OEmbed.as_view(), name="oembed"),
    # The OpenAPI 3.1 schema and its docs page (Swagger UI from our own static files).
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="api:schema", template_name="api/swagger_ui.html"
        ),
        name="docs",
    ),
    # A user's own tokens (an HTML page of the site).
    path("tokens/", pages.token_list, name="tokens"),
    path("tokens/<int:pk>/revoke/", pages.token_revoke, name="token_revoke"),
    # Webhook endpoints, their delivery logs and test events (admins; HTML pages).
    path("webhooks/", pages.webhook_list, name="webhooks"),
    path("webhooks/<int:pk>/", pages.webhook_detail, name="webhook_detail"),
    path("webhooks/<int:pk>/test/", pages.webhook_test, name="webhook_test"),
    path("webhooks/<int:pk>/active/", pages.webhook_active, name="webhook_active"),
    re_path(r"^", not_found),
]
