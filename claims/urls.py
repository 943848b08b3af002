"""The reviewer workbench, mounted at /review/ (namespace ``claims``)."""

from django.urls import path

from claims import views
from claims.views.checked_before import claim_checked_before, claim_factcheck_evidence
from claims.views.proposals import appearance_proposal_confirm, appearance_proposal_keep_separate
from claims.views.queue import article_titles, claim_bulk_action

app_name = "claims"
urlpatterns = [
    path("", views.review_home, name="home"),
    path("help/", views.review_help, name="help"),
    path("articles/new/", views.article_ingest, name="article_ingest"),
    path("articles/<int:pk>/", views.review_article_detail, name="article_detail"),
    path("articles/<int:pk>/claims/", views.claim_create, name="claim_create"),
    path("articles/<int:pk>/withdraw/", views.article_withdraw, name="article_withdraw"),
    path("sentences/<int:pk>/promote/", views.sentence_promote, name="sentence_promote"),
    path("ingest-jobs/<int:pk>/", views.ingest_job, name="ingest_job"),
    path(
        "articles/<int:pk>/reader-details/",
        views.article_reader_details,
        name="article_reader_details",
    ),
    # The queue and the claim page.
    path("claims/", views.claim_queue, name="claim_queue"),
    path("claims/assign/", views.claim_bulk_assign, name="claim_bulk_assign"),
    path("claims/bulk/", claim_bulk_action, name="claim_bulk_action"),
    path("claims/article-titles/", article_titles, name="article_titles"),
    path("claims/add/", views.claim_add, name="claim_add"),
    path("claims/import/", views.claims_import_preview, name="claims_import"),
    path("claims/import/confirm/", views.claims_import_confirm, name="claims_import_confirm"),
    path("claims/<int:pk>/", views.claim_detail, name="claim_detail"),
    path(
        "claims/<int:pk>/checked-before/",
        claim_checked_before,
        name="claim_checked_before",
    ),
    path(
        "claims/<int:pk>/checked-before/<int:factcheck_pk>/evidence/",
        claim_factcheck_evidence,
        name="claim_factcheck_evidence",
    ),
    path("claims/<int:pk>/assign/", views.claim_assign, name="claim_assign"),
    path("claims/<int:pk>/evidence/", views.evidence_add, name="evidence_add"),
    path("cited-links/<int:pk>/snapshot/", views.cited_link_snapshot, name="cited_link_snapshot"),
    path(
        "claims/<int:pk>/evidence/<int:evidence_pk>/snapshot/",
        views.evidence_snapshot,
        name="evidence_snapshot",
    ),
    path(
        "claims/<int:pk>/evidence/<int:evidence_pk>/snapshot/<int:snapshot_pk>/warc/",
        views.evidence_snapshot_warc,
        name="evidence_snapshot_warc",
    ),
    path(
        "claims/<int:pk>/evidence/<int:evidence_pk>/edit/",
        views.evidence_edit,
        name="evidence_edit",
    ),
    path(
        "claims/<int:pk>/evidence/<int:evidence_pk>/remove/",
        views.evidence_remove,
        name="evidence_remove",
    ),
    path("claims/<int:pk>/notes/", views.note_add, name="note_add"),
    path("claims/<int:pk>/verdict/", views.verdict_save, name="verdict_save"),
    path("claims/<int:pk>/start-review/", views.claim_start_review, name="claim_start_review"),
    path("claims/<int:pk>/submit/", views.claim_submit, name="claim_submit"),
    path("claims/<int:pk>/return/", views.claim_return, name="claim_return"),
    path("claims/<int:pk>/publish/", views.claim_publish, name="claim_publish"),
    path("claims/<int:pk>/dismiss/", views.claim_dismiss, name="claim_dismiss"),
    path("claims/<int:pk>/reopen/", views.claim_reopen, name="claim_reopen"),
    path("claims/<int:pk>/merge/", views.claim_merge, name="claim_merge"),
    path("claims/<int:pk>/merge-targets/", views.merge_targets, name="merge_targets"),
    # Who said it, where and when (claims.views.claimants).
    path("claims/<int:pk>/claimant/", views.claim_claimant_set, name="claim_claimant_set"),
    path("claims/<int:pk>/appearances/", views.appearance_add, name="appearance_add"),
    path(
        "claims/<int:pk>/appearances/<int:appearance_pk>/remove/",
        views.appearance_remove,
        name="appearance_remove",
    ),
    # "Another appearance of claim #N?" (claims.views.proposals).
    path(
        "proposals/<int:pk>/confirm/",
        appearance_proposal_confirm,
        name="appearance_proposal_confirm",
    ),
    path(
        "proposals/<int:pk>/keep-separate/",
        appearance_proposal_keep_separate,
        name="appearance_proposal_keep_separate",
    ),
    path("claimants/search/", views.claimant_search, name="claimant_search"),
    path("claimants/<int:pk>/merge/", views.claimant_merge, name="claimant_merge"),
    # Editors: claims whose sentence changed since their verdict was checked.
    path("changed/", views.changed_claims, name="changed_claims"),
    path(
        "claims/<int:pk>/acknowledge-change/",
        views.claim_change_acknowledge,
        name="claim_change_acknowledge",
    ),
    # Editors: published verdicts whose evidence is at risk (beside the link health pages).
    path("links/at-risk/", views.evidence_at_risk, name="evidence_at_risk"),
]
