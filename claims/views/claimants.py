"""The claim page's "who said it, where and when": the claimant (search box, or a plain name
field that finds or creates) and the claim's appearances. Plain POSTs that redirect back to
the claim page; a stale version answers 409 with the page, a missing one 400."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from claims import services
from claims.claimant_forms import AppearanceForm, ClaimantSetForm, ClaimEnterForm
from claims.forms import VersionForm
from claims.models import Appearance, Claimant
from claims.views.claim import _claim_or_404, claim_url, render_claim
from factcheck.lib.auth import permission_required
from factcheck.lib.versions import version_required
from factcheck.lib.views import safe_next

REVIEW, PUBLISH = services.REVIEW_PERMISSION, services.PUBLISH_PERMISSION
SEARCH_LIMIT = 20


@permission_required(REVIEW)
@require_GET
def claimant_search(request):
    """Claimants whose name or an alias contains ``q``, as JSON (the search box)."""
    found = Claimant.objects.search(request.GET.get("q", ""))[:SEARCH_LIMIT]
    return JsonResponse(
        {
            "results": [
                {
                    "id": c.pk,
                    "name": c.name,
                    "kind": c.kind,
                    "description": c.description,
                    "aliases": c.aliases,
                }
                for c in found
            ]
        }
    )


def _run(request, claim, form, call, message: str, anchor: str, form_name: str):
    if not form.is_valid():
        messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
        return render_claim(request, claim, status=400)
    try:
        call(form.cleaned_data)
    except services.ConflictError as exc:
        messages.error(request, str(exc))
        return render_claim(request, exc.current, status=409, conflict=exc)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return render_claim(request, claim, status=400)
    messages.success(request, message)
    return redirect(claim_url(claim, anchor))


def _claimant_named(request, *, pk, name: str, kind: str) -> Claimant:
    """The claimant picked by the search box (``pk``), else the one called ``name`` (found by
    name or alias, else created as a ``kind``)."""
    if pk:
        claimant = Claimant.objects.filter(pk=pk).first()
        if claimant is None:
            raise ValidationError(_("That claimant no longer exists; search again."))
        return claimant
    claimant, _created = services.claimant_find_or_create(
        name=name, kind=kind or Claimant.Kind.PERSON, user=request.user
    )
    return claimant


@permission_required(REVIEW)
def claim_add(request):
    """ "Add a claim" heard or seen outside the desk's articles: its wording, who said it,
    where and when. Saved, it opens on its claim page (status new, in the queue)."""
    form = ClaimEnterForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                with transaction.atomic():
                    claimant = None
                    if data.get("claimant") or data.get("name"):
                        claimant = _claimant_named(
                            request,
                            pk=data.get("claimant"),
                            name=data.get("name") or "",
                            kind=data.get("claimant_kind") or "",
                        )
                    claim = services.claim_enter(
                        text=data["text"], user=request.user, claimant=claimant, **form.where()
                    )
            except ValidationError as exc:
                if hasattr(exc, "error_dict"):
                    for field, errors in exc.message_dict.items():
                        form.add_error(field if field in form.fields else None, errors)
                else:
                    form.add_error(None, exc.messages)
            else:
                messages.success(request, _("Claim added. It is in the queue as new."))
                return redirect(claim_url(claim, "who-said-it"))
    return render(request, "claims/claim_add.html", {"form": form}, status=status)


@permission_required(REVIEW)
@require_POST
@version_required
def claim_claimant_set(request, pk: int):
    claim = _claim_or_404(request, pk)
    form = ClaimantSetForm(request.POST)

    def call(data):
        claimant = None
        if not data.get("clear"):
            claimant = _claimant_named(
                request, pk=data.get("claimant"), name=data["name"], kind=data["kind"]
            )
        services.claim_claimant_set(
            claim=claim, claimant=claimant, user=request.user, version=data["version"]
        )

    return _run(request, claim, form, call, _("Claimant saved."), "who-said-it", "claimant_form")


@permission_required(REVIEW)
@require_POST
@version_required
def appearance_add(request, pk: int):
    claim = _claim_or_404(request, pk)
    form = AppearanceForm(request.POST)

    def call(data):
        services.appearance_add(
            claim=claim, user=request.user, version=data["version"], **form.where()
        )

    return _run(
        request, claim, form, call, _("Appearance added."), "appearances", "appearance_form"
    )


@permission_required(REVIEW)
@require_POST
@version_required
def appearance_remove(request, pk: int, appearance_pk: int):
    claim = _claim_or_404(request, pk)
    try:
        appearance = Appearance.objects.select_related("claim").get(pk=appearance_pk, claim=claim)
    except Appearance.DoesNotExist:
        raise Http404("No such appearance.") from None
    form = VersionForm(request.POST)

    def call(data):
        services.appearance_remove(
            appearance=appearance, user=request.user, version=data["version"]
        )

    return _run(request, claim, form, call, _("Appearance removed."), "appearances", "version_form")


@permission_required(PUBLISH)
@version_required(field_name="remove_version")
@version_required(field_name="keep_version")
def claimant_merge(request, pk: int):
    """Editors: merge this claimant into another (the same person or organisation). GET
    searches for the one to keep (``?q=``) and, with ``?keep=<id>``, shows both to confirm;
    the POST names both versions (400 without, 409 when either changed)."""
    try:
        claimant = Claimant.objects.get(pk=pk)
    except Claimant.DoesNotExist:
        raise Http404("No such claimant.") from None
    keep_pk = request.POST.get("keep") or request.GET.get("keep")
    keep = Claimant.objects.filter(pk=keep_pk).first() if str(keep_pk).isdigit() else None
    status = 200
    if request.method == "POST":
        if keep is None:
            messages.error(request, _("Choose the claimant to keep."))
            status = 400
        else:
            try:
                kept = services.claimant_merge(
                    keep=keep,
                    remove=claimant,
                    user=request.user,
                    keep_version=request.POST["keep_version"],
                    remove_version=request.POST["remove_version"],
                )
            except services.ConflictError as exc:
                messages.error(request, str(exc))
                status = 409
                keep.refresh_from_db()
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
                status = 400
            else:
                messages.success(
                    request,
                    _("%(removed)s merged into %(kept)s.")
                    % {"removed": claimant.name, "kept": kept.name},
                )
                return redirect(safe_next(request, reverse("claims:claim_queue")))
    query = request.GET.get("q", claimant.name.split()[-1] if claimant.name.split() else "")
    candidates = Claimant.objects.search(query).exclude(pk=claimant.pk)[:SEARCH_LIMIT]
    return render(
        request,
        "claims/claimant_merge.html",
        {
            "claimant": claimant,
            "keep": keep,
            "q": query,
            "candidates": candidates,
            "claims_count": claimant.claims.count(),
            "next": request.GET.get("next") or request.POST.get("next", ""),
        },
        status=status,
    )
