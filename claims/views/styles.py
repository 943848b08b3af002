"""The rating levels' colours as a style sheet, for the reviewer pages and the reader site."""

from __future__ import annotations

import hashlib

from django.http import HttpResponse
from django.utils.cache import get_conditional_response, patch_cache_control
from django.views.decorators.http import require_safe

from claims import selectors


@require_safe
def rating_styles(request):
    """The rating levels' colours as a style sheet (no inline styles anywhere: CSP). One
    small query; browsers revalidate it with its ETag, so an edited colour shows at once."""
    rules = []
    for level in selectors.rating_levels_all():
        # Both colours are validated as #rrggbb on the model, so they are safe in CSS.
        rules.append(
            f".rating-{level.pk} {{ background: {level.colour}; color: {level.text_colour}; "
            f"border-color: {level.colour}; }}\n"
            f"mark.claim.rating-mark-{level.pk} {{ border-bottom-color: {level.colour}; }}\n"
            # The reader site's highlights: a light tint of the colour (dark text on it).
            f"mark.claim.tint-{level.pk} {{ background: color-mix(in srgb, {level.colour} 22%, "
            "#fff); }"
        )
    css = "\n".join(rules) + "\n"
    etag = '"' + hashlib.sha256(css.encode()).hexdigest()[:32] + '"'
    response = get_conditional_response(request, etag=etag) or HttpResponse(
        css, content_type="text/css; charset=utf-8"
    )
    response["ETag"] = etag
    patch_cache_control(response, public=True, max_age=0, must_revalidate=True)
    return response
