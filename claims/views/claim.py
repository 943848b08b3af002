"""The claim page and its actions. Each action is a POST that works without script (redirect
back to the page) and with htmx (the page's workspace fragment is returned and swapped in)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from claims import selectors, services
from claims.audit_labels import value_labels
from claims.forms import (
    AssignForm,
    DismissForm,
    EvidenceEditForm,
    EvidenceForm,
    EvidenceRemoveForm,
    MergeForm,
    NoteForm,
    ReturnForm,
    SubmitForm,
    VerdictForm,
    VersionForm,
)
from claims.hooks import public_url
from claims.models import Claim, Evidence
from claims.services.evidence import EVIDENCE_LOCKED_MESSAGE, evidence_locked
from claims.views.articles import reloaded_for_review, render_article_review
from factcheck.lib.auth import permission_required
from factcheck.lib.versions import version_required
from factcheck.lib.views import add_service_errors, is_htmx, safe_next

REVIEW, PUBLISH = services.REVIEW_PERMISSION, services.PUBLISH_PERMISSION


def claim_url(claim: Claim, anchor: str = "") -> str:
    url = reverse("claims:claim_detail", kwargs={"pk": claim.pk})
    return f"{url}#{anchor}" if anchor else url


def _claim_or_404(request, pk: int) -> Claim:
    try:
        return selectors.claim_get(user=request.user, pk=pk)
    except Claim.DoesNotExist:
        raise Http404("No such claim.") from None


def _verdict_initial(verdict) -> dict:
    if verdict is None:
        return {"version": 0}  # no open draft: saving drafts a new version
    return {
        "rating": verdict.rating_id,
        "summary": verdict.summary,
        "rationale": verdict.rationale,
        "correction_note": verdict.correction_note,
        "version": verdict.version,
    }


def render_claim(
    request, claim: Claim, *, status: int = 200, conflict=None, evidence_kept=None, **forms
):
    """The claim page (or its workspace fragment for htmx), with any bound forms given
    (``evidence_kept``: one evidence form's input kept after a conflict)."""
    context = selectors.claim_page_context(user=request.user, claim=claim)
    levels, reviewer_list = context["rating_levels"], context["reviewer_list"]
    open_verdict = context["open_verdict"]
    version = {"version": claim.version}
    cited = _cited_to_add(request, context["cited_links"])
    defaults = {
        "evidence_form": lambda: _evidence_form(cited),
        "note_form": lambda: NoteForm(),
        "verdict_form": lambda: VerdictForm(initial=_verdict_initial(open_verdict), levels=levels),
        "assign_form": lambda: AssignForm(
            initial={**version, "assignee": claim.assignee_id}, reviewer_list=reviewer_list
        ),
        "dismiss_form": lambda: DismissForm(initial=version),
        "return_form": lambda: ReturnForm(initial=version),
        "version_form": lambda: VersionForm(initial=version),
    }
    for name, make in defaults.items():
        context[name] = forms.get(name) or make()
    user = request.user
    context.update(
        conflict=conflict,
        evidence_kept=evidence_kept,
        is_htmx=is_htmx(request),
        can_publish=user.has_perm(PUBLISH),
        # Why this editor may not approve the open verdict (its author, or someone who
        # changed its content or the claim's evidence since the last publication), if so.
        four_eyes_refusal=open_verdict
        and services.four_eyes_refusal(
            verdict=open_verdict,
            user=user,
            contributors={c.user_id: c.changed for c in open_verdict.contributions.all()},
        ),
        # The link checker's badge when it is installed, else a plain state label.
        link_badge_templates=["includes/link_badge.html", "claims/_link_state.html"],
        evidence_stances=Evidence.Stance.choices,
        # While the verdict awaits approval its evidence stays as submitted.
        evidence_locked=evidence_locked(claim, open_verdict=open_verdict),
        evidence_locked_message=EVIDENCE_LOCKED_MESSAGE,
        # The cited link whose "Add as evidence" opened the form (prefilled; the stance is
        # still the reviewer's to choose).
        cited_to_add=cited,
    )
    _link_publications(context.get("history") or [], claim)
    _humanise_values(context.get("history") or [])
    template = "claims/claim_detail.html"
    if context["is_htmx"]:
        template += "#workspace"
    return render(request, template, context, status=status)


def _cited_to_add(request, cited_links):
    """The cited link named by ``?cite=<id>`` (a link "Add as evidence"), if any."""
    if request.method != "GET":
        return None
    wanted = request.GET.get("cite", "")
    return next((c for c in cited_links if str(c.pk) == wanted), None)


def _evidence_form(cited) -> EvidenceForm:
    """The "Add evidence" form; from a cited link, prefilled with its address and its
    anchor text (in the note), the stance focused and still the reviewer's to choose."""
    if cited is None:
        return EvidenceForm()
    form = EvidenceForm(
        initial={
            "url": cited.link.url,
            "note": _("Cited in the article as “%(text)s”.") % {"text": cited.anchor_text},
        }
    )
    form.fields["stance"].widget.attrs["autofocus"] = True
    return form


def _humanise_values(history) -> None:
    """The history's stored values in words ("Awaiting approval", "Refutes the claim")."""
    labels = value_labels()

    def shown(name, value):
        known = labels.get(name.replace(" ", "_"), {})
        return known.get(value, value) if isinstance(value, str) else value

    for entry in history:
        entry.changes = [
            (name, shown(name, before), shown(name, after)) for name, before, after in entry.changes
        ]


def _link_publications(history, claim: Claim) -> None:
    """The history's publications link to the public page (when the claim has one)."""
    public = public_url(claim)
    if public:
        for entry in history:
            if entry.event.action == "claims.verdict.published":
                entry.link = (public, _("the public page"))


def _published_message(request, claim: Claim):
    """The message after publishing, with a link to the public page readers now see."""
    public = public_url(selectors.claim_get(user=request.user, pk=claim.pk))
    if not public:
        return _("Approved and published.")
    return format_html(
        '{} <a href="{}">{}</a>.',
        _("Approved and published."),
        public,
        _("See the public page"),
    )


def _after_action(request, claim: Claim, message: str, anchor: str):
    messages.success(request, message)
    if is_htmx(request):
        return render_claim(request, selectors.claim_get(user=request.user, pk=claim.pk))
    return redirect(safe_next(request, claim_url(claim, anchor)))


def _refused(
    request, claim: Claim, anchor: str, *, status=400, conflict=None, evidence_kept=None, **forms
):
    """Invalid input: the page again with the form's errors (the user's input kept), with
    its real status (400, or 409 for a conflict): htmx swaps both in (``htmx-config`` in
    ``claims/_review_assets.html``)."""
    if forms or conflict:
        return render_claim(
            request,
            claim,
            status=status,
            conflict=conflict,
            evidence_kept=evidence_kept,
            **forms,
        )
    return redirect(safe_next(request, claim_url(claim, anchor)))


@permission_required(REVIEW)
def claim_detail(request, pk: int):
    return render_claim(request, _claim_or_404(request, pk))


# --------------------------------------------------------------------- attached things


@permission_required(REVIEW)
@require_POST
def evidence_add(request, pk: int):
    claim = _claim_or_404(request, pk)
    form = EvidenceForm(request.POST)
    if form.is_valid():
        try:
            services.evidence_add(claim=claim, user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return _after_action(request, claim, _("Evidence added."), "evidence")
    return _refused(request, claim, "evidence", evidence_form=form)


def _evidence_or_404(claim: Claim, evidence_pk: int):
    evidence = claim.evidence.filter(pk=evidence_pk).first()
    if evidence is None:
        raise Http404("No such evidence on this claim.")
    return evidence


def _first_error(form) -> str:
    return next(iter(form.errors.values()))[0]


def _evidence_action(form_class, service, done: str, kind: str):
    """Correcting or removing one piece of a claim's evidence: a POST with the form's
    fields and the evidence's version; a refusal comes back as a message on the claim page,
    a stale version as 409 with the saved evidence and the user's input kept."""

    @permission_required(REVIEW)
    @require_POST
    @version_required
    def view(request, pk: int, evidence_pk: int):
        claim = _claim_or_404(request, pk)
        evidence = _evidence_or_404(claim, evidence_pk)
        form = form_class(request.POST)
        if not form.is_valid():
            messages.error(request, _first_error(form))
            return _refused(request, claim, "evidence")
        try:
            service(evidence=evidence, user=request.user, **form.cleaned_data)
        except services.ConflictError as exc:
            messages.error(request, str(exc))
            # Saving again from the kept input replaces the saved evidence knowingly.
            kept = {**form.cleaned_data, f"{kind}_pk": evidence.pk}
            kept["version"] = exc.current.version
            return _refused(
                request, claim, "evidence", status=409, conflict=exc, evidence_kept=kept
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return _refused(request, claim, "evidence")
        return _after_action(request, claim, done, "evidence")

    return view


evidence_edit = _evidence_action(
    EvidenceEditForm, services.evidence_edit, gettext_lazy("Evidence updated."), "edit"
)
evidence_remove = _evidence_action(
    EvidenceRemoveForm, services.evidence_remove, gettext_lazy("Evidence removed."), "remove"
)


@permission_required(REVIEW)
@require_POST
def note_add(request, pk: int):
    claim = _claim_or_404(request, pk)
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            note = services.note_add(claim=claim, user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            mentioned = [u.get_username() for u in note.mentions.all()]
            message = _("Note added.")
            if mentioned:
                names = ", ".join(mentioned)
                message = _("Note added. Mentioned: %(names)s.") % {"names": names}
            return _after_action(request, claim, message, "notes")
    return _refused(request, claim, "notes", note_form=form)


@permission_required(REVIEW)
@require_POST
@version_required
def verdict_save(request, pk: int):
    claim = _claim_or_404(request, pk)
    form = VerdictForm(request.POST, levels=None)
    if form.is_valid():
        data = form.cleaned_data
        try:
            verdict = services.verdict_save(claim=claim, user=request.user, **data)
        except services.ConflictError as exc:
            messages.error(request, str(exc))
            # The user's input stays in the form; the version becomes the stored one, so
            # saving again (after comparing) replaces it knowingly.
            values = request.POST.copy()
            current = exc.current
            is_open = current is not None and current.state in current.OPEN_STATES
            values["version"] = str(current.version if is_open else 0)
            kept = VerdictForm(values)
            kept.is_valid()
            return _refused(request, claim, "verdict", status=409, conflict=exc, verdict_form=kept)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return _after_action(
                request,
                claim,
                _("Verdict version %(number)s saved as a draft.") % {"number": verdict.number},
                "verdict",
            )
    return _refused(request, claim, "verdict", verdict_form=form)


# ------------------------------------------------------------------ assignment, workflow


def _transition(
    request, claim, form, call, message: str, anchor: str, form_name: str, **kept_kwargs
):
    if form.is_valid():
        try:
            call(form.cleaned_data)
        except services.ConflictError as exc:
            messages.error(request, str(exc))
            # The user's input stays in the form, on the claim's current version.
            values = request.POST.copy()
            values["version"] = str(exc.current.version)
            kept = type(form)(values, **kept_kwargs)
            kept.is_valid()
            return _refused(request, claim, anchor, status=409, conflict=exc, **{form_name: kept})
        except ValidationError as exc:
            if hasattr(exc, "error_dict") and set(exc.message_dict) & set(form.fields):
                add_service_errors(form, exc)
                return _refused(request, claim, anchor, **{form_name: form})
            messages.error(request, " ".join(exc.messages))
            if is_htmx(request):
                return render_claim(request, selectors.claim_get(user=request.user, pk=claim.pk))
            return redirect(safe_next(request, claim_url(claim, anchor)))
        if callable(message):  # made once the change is saved
            message = message()
        return _after_action(request, claim, message, anchor)
    return _refused(request, claim, anchor, **{form_name: form})


@permission_required(REVIEW)
@require_POST
@version_required
def claim_assign(request, pk: int):
    claim = _claim_or_404(request, pk)
    form = AssignForm(request.POST)

    def call(data):
        services.claim_assign(
            claim=claim, assignee=data["assignee"], user=request.user, version=data["version"]
        )

    return _transition(request, claim, form, call, _("Assignment saved."), "status", "assign_form")


def _simple(service, message: str):
    @permission_required(REVIEW)
    @require_POST
    @version_required
    def view(request, pk: int):
        claim = _claim_or_404(request, pk)
        form = VersionForm(request.POST)

        def call(data):
            service(claim=claim, user=request.user, version=data["version"])

        return _transition(request, claim, form, call, message, "status", "version_form")

    return view


claim_start_review = _simple(
    services.claim_start_review, gettext_lazy("The claim is now in review.")
)


@permission_required(REVIEW)
@require_POST
@version_required
def claim_submit(request, pk: int):
    """Submit for approval; a quote not found on its page needs a reason (``quote_reason``)."""
    claim = _claim_or_404(request, pk)
    form = SubmitForm(request.POST)

    def call(data):
        services.claim_submit_for_approval(
            claim=claim,
            user=request.user,
            version=data["version"],
            quote_reason=data["quote_reason"],
        )

    return _transition(
        request, claim, form, call, _("Submitted for approval."), "status", "version_form"
    )


claim_reopen = _simple(services.claim_reopen, gettext_lazy("The claim is open again, in review."))


def _with_reason(service, form_class, message: str, form_name: str):
    """A status change that needs a written reason (returning, dismissing)."""

    @permission_required(REVIEW)
    @require_POST
    @version_required
    def view(request, pk: int):
        claim = _claim_or_404(request, pk)
        form = form_class(request.POST)

        def call(data):
            service(claim=claim, user=request.user, reason=data["reason"], version=data["version"])

        return _transition(request, claim, form, call, message, "status", form_name)

    return view


claim_return = _with_reason(
    services.claim_return_to_review, ReturnForm, gettext_lazy("Returned to review."), "return_form"
)
claim_dismiss = _with_reason(
    services.claim_dismiss, DismissForm, gettext_lazy("Claim dismissed."), "dismiss_form"
)


@permission_required(PUBLISH)
@require_POST
@version_required
def claim_publish(request, pk: int):
    claim = _claim_or_404(request, pk)
    form = VersionForm(request.POST)

    def call(data):
        services.claim_publish(claim=claim, user=request.user, version=data["version"])

    return _transition(
        request,
        claim,
        form,
        call,
        lambda: _published_message(request, claim),
        "status",
        "version_form",
    )


@permission_required(REVIEW)
@require_POST
@version_required
def claim_merge(request, pk: int):
    """Merge this claim (a duplicate) into another; used from the article page."""
    claim = _claim_or_404(request, pk)
    if claim.article_id is None:
        raise Http404("This claim is not from an article: it has no claims to merge into.")
    form = MergeForm(request.POST)
    back = safe_next(
        request, reverse("claims:article_detail", kwargs={"pk": claim.article_id}) + "#claims"
    )
    if form.is_valid():
        # One query for the chosen claim, whatever the size of the article.
        try:
            keep = selectors.merge_target_get(
                user=request.user, claim=claim, pk=form.cleaned_data["keep"]
            )
        except Claim.DoesNotExist:
            form.add_error(
                "keep",
                _(
                    "Claim #%(keep)s cannot be kept instead of #%(number)s: give the number of "
                    "another claim of this article that is not dismissed."
                )
                % {"keep": form.cleaned_data["keep"], "number": claim.pk},
            )
    if form.is_valid():
        try:
            kept_claim = services.claim_merge(
                duplicate=claim,
                keep=keep,
                user=request.user,
                reason=form.cleaned_data["reason"],
                version=form.cleaned_data["version"],
            )
        except services.ConflictError as exc:
            messages.error(request, str(exc))
            kept = {**form.cleaned_data, "pk": claim.pk, "version": exc.current.version}
            return render_article_review(
                request,
                reloaded_for_review(request, claim.article),
                status=409,
                conflict=exc,
                merge_kept=kept,
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request,
                _("Claim #%(number)s merged into #%(keep)s.")
                % {"number": claim.pk, "keep": keep.pk},
            )
            if kept_claim.opened_correction is not None:
                messages.info(
                    request,
                    _(
                        "Claim #%(keep)s is published: its evidence changed, so a correction "
                        "(version %(version)s) was opened. Review it, adjust its correction "
                        "note and submit it for another editor's approval."
                    )
                    % {"keep": keep.pk, "version": kept_claim.opened_correction.number},
                )
        return redirect(back)
    for errors in form.errors.values():
        messages.error(request, " ".join(errors))
    return redirect(back)
