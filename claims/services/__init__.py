"""Writes for the claims app. Views, commands and tasks call these; nothing else saves.

Split by sub-domain; import from here (``from claims.services import claim_publish``):

- ``ingest``: articles in (text, HTML, files), sentences and automatic claims; ``fetch``:
  articles by web address (directly or by a background job);
- ``refetch``: articles fetched again on a schedule after a verdict (stealth edits): a
  changed text becomes a new revision;
- ``creation``: claims made by reviewers (a selection, a promoted sentence);
- ``assignment``, ``review``: assigning claims, and the status workflow with its rules;
- ``bulk``: the queue's bulk actions, each claim through its single-claim service;
- ``claimants``: who said a claim (claimants, merged by editors) and where and when
  (appearances; the primary one follows the claim's article span);
- ``common``: permissions, the locked claim row with its optimistic-lock check;
- ``contributors``: who changed a verdict's content since the last publication, and the
  four-eyes rule that refuses them as its approver;
- ``evidence``, ``verdicts``, ``notes``: what reviewers attach to a claim;
- ``scales``: rating scales and levels as admins change them (one active scale; levels
  published verdicts use are deactivated, never deleted);
- ``errors``: the conflict error (audit events are written through ``audit.services``);
- ``proposals``: "another appearance of claim #N?", proposed after ingestion, confirmed
  (an article appearance and a merge) or kept separate by reviewers;
- ``reader``: topics and publisher of articles, and fresh reader pages after a publication;
- ``wording``: the checked wording of verdicts, claims changed since checked (marked by
  ingestion, acknowledged or resolved by editors).
"""

from claims.services.assignment import claim_assign, claim_bulk_assign
from claims.services.bulk import BULK_ACTIONS, BULK_MAX_CLAIMS, BulkResult, claim_bulk_action
from claims.services.claimants import (
    CLAIM_TEXT_MAX,
    appearance_add,
    appearance_remove,
    claim_claimant_set,
    claim_enter,
    claimant_create,
    claimant_find,
    claimant_find_or_create,
    claimant_merge,
    primary_appearances_follow,
    primary_appearances_insert,
)
from claims.services.common import (
    PUBLISH_PERMISSION,
    REVIEW_PERMISSION,
    four_eyes_required,
    reviewers,
)
from claims.services.contributors import (
    four_eyes_refusal,
    verdict_contributions,
    verdict_contributors_refresh,
)
from claims.services.creation import claim_create_from_selection, claim_promote
from claims.services.earlier_checks import earlier_checks_refresh
from claims.services.errors import Change, ConflictError
from claims.services.evidence import (
    evidence_add,
    evidence_edit,
    evidence_remove,
    link_for_evidence,
)
from claims.services.fetch import (
    INGEST_JOB_STALE_AFTER,
    article_fetch,
    article_ingest_submit,
    article_ingest_url,
    ingest_inline_max_bytes,
    ingest_job_run,
    ingest_jobs_sweep,
)
from claims.services.ingest import (
    AnalysedSentence,
    ArticleURLError,
    IngestError,
    IngestResult,
    PreparedText,
    article_ingest,
    article_language_detect,
    canonical_text,
    checkworthiness_threshold,
    content_hash,
    human_size,
    max_claims_per_article,
    max_ingest_bytes,
    text_analyse,
    text_prepare,
)
from claims.services.languages import (
    article_is_scored,
    article_language_apply,
    article_scoring_note,
)
from claims.services.notes import mentioned_usernames, note_add, note_mentions_notify
from claims.services.preview import (
    AUTO_FORMAT,
    ArticlePreview,
    article_preview,
    ingest_format,
)
from claims.services.proposals import (
    appearance_proposal_confirm,
    appearance_proposal_keep_separate,
    appearance_proposals_find,
    appearance_proposals_open,
)
from claims.services.reader import (
    article_reader_details_update,
    reader_pages_changed,
    reader_site_changed,
    topic_get_or_create,
)
from claims.services.refetch import (
    RefetchPolicy,
    article_refetch_run,
    article_refetch_schedule,
    articles_refetch_due,
    articles_refetch_sweep,
)
from claims.services.review import (
    claim_dismiss,
    claim_merge,
    claim_publish,
    claim_reopen,
    claim_return_to_review,
    claim_start_review,
    claim_submit_for_approval,
)
from claims.services.scales import (
    MANAGE_SCALES,
    level_deletion_refusal,
    rating_level_deactivate,
    rating_level_delete,
    rating_level_reactivate,
    rating_scale_activate,
    rating_scale_delete,
    scale_deletion_refusal,
)
from claims.services.snapshots import cited_link_snapshot_request
from claims.services.verdicts import active_levels, offered_levels, verdict_save
from claims.services.withdraw import (
    WITHDRAW_PERMISSION,
    WithdrawalPlan,
    article_withdraw,
    article_withdrawal_plan,
)
from claims.services.wording import claim_change_acknowledge
from factcheck.lib.versions import NO_VERSION_CHECK

__all__ = [
    "AUTO_FORMAT",
    "BULK_ACTIONS",
    "BULK_MAX_CLAIMS",
    "CLAIM_TEXT_MAX",
    "INGEST_JOB_STALE_AFTER",
    "MANAGE_SCALES",
    "NO_VERSION_CHECK",
    "PUBLISH_PERMISSION",
    "REVIEW_PERMISSION",
    "WITHDRAW_PERMISSION",
    "AnalysedSentence",
    "ArticlePreview",
    "ArticleURLError",
    "BulkResult",
    "Change",
    "ConflictError",
    "IngestError",
    "IngestResult",
    "PreparedText",
    "RefetchPolicy",
    "WithdrawalPlan",
    "active_levels",
    "appearance_add",
    "appearance_proposal_confirm",
    "appearance_proposal_keep_separate",
    "appearance_proposals_find",
    "appearance_proposals_open",
    "appearance_remove",
    "article_fetch",
    "article_ingest",
    "article_ingest_submit",
    "article_ingest_url",
    "article_is_scored",
    "article_language_apply",
    "article_language_detect",
    "article_preview",
    "article_reader_details_update",
    "article_refetch_run",
    "article_refetch_schedule",
    "article_scoring_note",
    "article_withdraw",
    "article_withdrawal_plan",
    "articles_refetch_due",
    "articles_refetch_sweep",
    "canonical_text",
    "checkworthiness_threshold",
    "cited_link_snapshot_request",
    "claim_assign",
    "claim_bulk_action",
    "claim_bulk_assign",
    "claim_change_acknowledge",
    "claim_claimant_set",
    "claim_create_from_selection",
    "claim_dismiss",
    "claim_enter",
    "claim_merge",
    "claim_promote",
    "claim_publish",
    "claim_reopen",
    "claim_return_to_review",
    "claim_start_review",
    "claim_submit_for_approval",
    "claimant_create",
    "claimant_find",
    "claimant_find_or_create",
    "claimant_merge",
    "content_hash",
    "earlier_checks_refresh",
    "evidence_add",
    "evidence_edit",
    "evidence_remove",
    "four_eyes_refusal",
    "four_eyes_required",
    "human_size",
    "ingest_format",
    "ingest_inline_max_bytes",
    "ingest_job_run",
    "ingest_jobs_sweep",
    "level_deletion_refusal",
    "link_for_evidence",
    "max_claims_per_article",
    "max_ingest_bytes",
    "mentioned_usernames",
    "note_add",
    "note_mentions_notify",
    "offered_levels",
    "primary_appearances_follow",
    "primary_appearances_insert",
    "rating_level_deactivate",
    "rating_level_delete",
    "rating_level_reactivate",
    "rating_scale_activate",
    "rating_scale_delete",
    "reader_pages_changed",
    "reader_site_changed",
    "reviewers",
    "scale_deletion_refusal",
    "text_analyse",
    "text_prepare",
    "topic_get_or_create",
    "verdict_contributions",
    "verdict_contributors_refresh",
    "verdict_save",
]
