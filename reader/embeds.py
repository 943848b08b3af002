"""The embeddable verdict card (``/embed/claims/<key>/``): a published claim's rating and
summary in a small page other sites may show in an ``<iframe>`` (announced by the API's
oEmbed endpoint, ``api.oembed``).

The only page of the site that may be framed: it is exempt from ``X-Frame-Options`` and its
``Content-Security-Policy`` is the site's with ``frame-ancestors`` taken from
``FACTCHECK_EMBED_FRAME_ANCESTORS`` (any site by default); every other directive stays, so
it carries no inline script or style either (its own style sheet, ``css/embed.css``, and
the rating colours). Published claims only (404 otherwise, whoever asks); cached for
anonymous readers on the claim's stamp, like its reader page, so a correction refreshes
both at once."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_safe

from claims.models import Claim, Verdict
from reader import cache
from reader import selectors as public

# Who may frame the card when the setting says nothing: any site (it is public anyway).
DEFAULT_FRAME_ANCESTORS = ("*",)

# The oEmbed endpoint's path, for the claim page's discovery link: the API (a layer above)
# answers oEmbed and says where, in its AppConfig.ready(); ``None`` leaves the link out.
oembed_path: Callable[[], str] | None = None


def frame_ancestors() -> list[str]:
    """The origins that may frame the card (``FACTCHECK_EMBED_FRAME_ANCESTORS``)."""
    value = getattr(settings, "FACTCHECK_EMBED_FRAME_ANCESTORS", None)
    return list(value or DEFAULT_FRAME_ANCESTORS)


def frameable(view):
    """Let other sites frame ``view``'s pages: no ``X-Frame-Options``, and the site's CSP
    with ``frame-ancestors`` widened (read per response: a settings change applies)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response.xframe_options_exempt = True
        response._csp_config = {**settings.SECURE_CSP, "frame-ancestors": frame_ancestors()}
        return response

    return wrapper


def _claim_scope(request, kwargs) -> str | None:
    pk = public.claim_pk_from_key(kwargs.get("key", ""))
    return cache.claim_scope(pk) if pk else None


@require_safe
@frameable
@cache.reader_page(_claim_scope)
def claim_card(request, key: str):
    """A published claim's card: the claim, its rating (label and colour), the summary and
    a link to the fact-check; 404 for any other claim, whoever asks."""
    pk = public.claim_pk_from_key(key)
    try:
        if pk is None:
            raise Claim.DoesNotExist
        claim = public.claim_public_get(user=request.user, pk=pk)
    except Claim.DoesNotExist:
        raise Http404("No such fact-check.") from None
    verdict = (
        public.public_verdicts(user=request.user)
        .filter(claim=claim, state=Verdict.State.PUBLISHED)
        .select_related("rating")
        .first()
    )
    if verdict is None:
        raise Http404("No such fact-check.")
    public.checked_wording_attach(claim, verdict)
    return render(
        request,
        "reader/embed_card.html",
        {
            "claim": claim,
            "verdict": verdict,
            "claim_url": request.build_absolute_uri(public.claim_path(claim)),
        },
    )
