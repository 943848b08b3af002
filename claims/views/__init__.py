"""Pages of the claims app, split by area; ``claims/urls.py`` names them all from here."""

from claims.views.articles import (
    article_ingest,
    article_withdraw,
    claim_create,
    ingest_job,
    merge_targets,
    review_article_detail,
    review_home,
    sentence_promote,
)
from claims.views.changed import changed_claims, claim_change_acknowledge
from claims.views.claim import (
    claim_assign,
    claim_detail,
    claim_dismiss,
    claim_merge,
    claim_publish,
    claim_reopen,
    claim_return,
    claim_start_review,
    claim_submit,
    evidence_add,
    evidence_edit,
    evidence_remove,
    note_add,
    verdict_save,
)
from claims.views.claimants import (
    appearance_add,
    appearance_remove,
    claim_add,
    claim_claimant_set,
    claimant_merge,
    claimant_search,
)
from claims.views.claims_import import claims_import_confirm, claims_import_preview
from claims.views.queue import claim_bulk_assign, claim_queue, review_help
from claims.views.risk import evidence_at_risk
from claims.views.snapshots import cited_link_snapshot, evidence_snapshot, evidence_snapshot_warc
from claims.views.styles import rating_styles
from claims.views.topics import article_reader_details

__all__ = [
    "appearance_add",
    "appearance_remove",
    "article_ingest",
    "article_reader_details",
    "article_withdraw",
    "changed_claims",
    "cited_link_snapshot",
    "claim_add",
    "claim_assign",
    "claim_bulk_assign",
    "claim_change_acknowledge",
    "claim_claimant_set",
    "claim_create",
    "claim_detail",
    "claim_dismiss",
    "claim_merge",
    "claim_publish",
    "claim_queue",
    "claim_reopen",
    "claim_return",
    "claim_start_review",
    "claim_submit",
    "claimant_merge",
    "claimant_search",
    "claims_import_confirm",
    "claims_import_preview",
    "evidence_add",
    "evidence_at_risk",
    "evidence_edit",
    "evidence_remove",
    "evidence_snapshot",
    "evidence_snapshot_warc",
    "ingest_job",
    "merge_targets",
    "note_add",
    "rating_styles",
    "review_article_detail",
    "review_help",
    "review_home",
    "sentence_promote",
    "verdict_save",
]
