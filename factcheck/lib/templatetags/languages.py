"""The language switcher's entries and a reader page's ``hreflang`` alternates."""

from __future__ import annotations

from dataclasses import dataclass

from django import template
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.http import urlencode

from factcheck.lib import languages

register = template.Library()


@dataclass(frozen=True)
class LanguageChoice:
    code: str
    name: str  # in its own language ("Español"), as switchers show it
    current: bool
    switch_url: str  # an anonymous reader's link (sets the cookie, goes to the page)


@register.simple_tag(takes_context=True)
def language_choices(context, here: str | None = None) -> list[LanguageChoice]:
    """The switcher's entries for the page at ``here`` (default: the request's path; error
    pages name the home page, so that they never echo the address asked for)."""
    request = context.get("request")
    if not here:
        here = request.path if request is not None else "/"
    current = translation.get_language()
    # The page in the chosen language is worked out when one is chosen (language_switch,
    # language_set), not for every language on every page.
    query = urlencode({"next": here})
    return [
        LanguageChoice(
            code=code,
            name=name,
            current=code == current,
            switch_url=f"{reverse('language_switch', args=[code])}?{query}",
        )
        for code, name in settings.LANGUAGES
    ]


@register.simple_tag(takes_context=True)
def reader_alternates(context) -> list[tuple[str, str]]:
    """``(hreflang, absolute URL)`` of this reader page in every language, plus
    ``x-default`` (the English address): empty on any other page."""
    request = context.get("request")
    if request is None or not languages.is_reader_page(request):
        return []
    here = request.path
    pairs = [
        (code, request.build_absolute_uri(languages.in_language(here, code)))
        for code, _name in settings.LANGUAGES
    ]
    default = request.build_absolute_uri(languages.in_language(here, settings.LANGUAGE_CODE))
    return [*pairs, ("x-default", default)]
