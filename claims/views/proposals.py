"""Proposals of "another appearance of claim #N?": the two buttons shown with one on the reviewer
article page and the claim page. Plain POSTs with the proposal's version that redirect back
(``next``); a refusal is shown on the page it came from (403 for a reviewer on a published
claim, 400 for a proposal that cannot be decided any more, 409 when it changed meanwhile,
400 without a version)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from claims import selectors, services
from claims.models import AppearanceProposal, Article, Claim
from claims.views.articles import _reviewer_article_url, render_article_review
from claims.views.claim import claim_url, render_claim
from factcheck.lib.auth import permission_required
from factcheck.lib.versions import parse_version, version_required
from factcheck.lib.views import safe_next

REVIEW = services.REVIEW_PERMISSION


def _proposal_or_404(request, pk: int) -> AppearanceProposal:
    try:
        proposal = AppearanceProposal.objects.select_related("claim", "candidate").get(pk=pk)
        # Both claims must be visible to the user (reviewers see every claim).
        selectors.claim_get(user=request.user, pk=proposal.claim_id)
    except (AppearanceProposal.DoesNotExist, Claim.DoesNotExist):
        raise Http404("No such proposal.") from None
    return proposal


def _refused(request, proposal: AppearanceProposal, *, status: int, conflict=None):
    """The page the form was on, again, with the message (and the conflict)."""
    if request.POST.get("return_to") == "claim":
        try:
            claim = selectors.claim_get(user=request.user, pk=proposal.claim_id)
        except Claim.DoesNotExist:
            raise Http404("No such claim.") from None
        return render_claim(request, claim, status=status, conflict=conflict)
    try:
        article = selectors.article_review_get(user=request.user, pk=proposal.claim.article_id)
    except Article.DoesNotExist:
        raise Http404("No such article.") from None
    return render_article_review(request, article, status=status, conflict=conflict)


def _decide(request, pk: int, call, done: str, *, confirm: bool):
    proposal = _proposal_or_404(request, pk)
    version = parse_version(request.POST.get("version"))
    try:
        call(proposal=proposal, user=request.user, version=version)
    except services.ConflictError as exc:
        messages.error(request, str(exc))
        return _refused(request, proposal, status=409, conflict=exc)
    except PermissionDenied as exc:
        messages.error(request, str(exc) or _("You may not decide this proposal."))
        return _refused(request, proposal, status=403)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return _refused(request, proposal, status=400)
    messages.success(
        request, done % {"claim": proposal.claim_id, "candidate": proposal.candidate_id}
    )
    if request.POST.get("return_to") == "claim":
        # After a confirmation the claim is a merged duplicate: open the one kept.
        fallback = claim_url(proposal.candidate if confirm else proposal.claim)
    else:
        fallback = _reviewer_article_url(proposal.claim.article, f"claim-{proposal.claim_id}")
    return redirect(safe_next(request, fallback))


@permission_required(REVIEW)
@require_POST
@version_required
def appearance_proposal_confirm(request, pk: int):
    return _decide(
        request,
        pk,
        services.appearance_proposal_confirm,
        _(
            "Confirmed: claim #%(claim)s is another appearance of claim #%(candidate)s and was "
            "merged into it."
        ),
        confirm=True,
    )


@permission_required(REVIEW)
@require_POST
@version_required
def appearance_proposal_keep_separate(request, pk: int):
    return _decide(
        request,
        pk,
        services.appearance_proposal_keep_separate,
        _(
            "Claim #%(claim)s is kept separate from claim #%(candidate)s; they will not be "
            "proposed together again."
        ),
        confirm=False,
    )
