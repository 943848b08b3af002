"""Template helpers of the reader site."""

from __future__ import annotations

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from reader import selectors as public_selectors

register = template.Library()


@register.filter
def claim_url(claim) -> str:
    """The public address of a published claim's fact-check."""
    return public_selectors.claim_path(claim)


@register.filter
def display_name(user) -> str:
    """A reviewer as readers see them (only shown with FACTCHECK_SHOW_REVIEWER_NAMES)."""
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


@register.simple_tag
def choice_field(bound_field):
    """A labelled ``<select>`` for a filter with many choices (topics, publishers), written
    out directly: Django's per-option widget templates would dominate the home page's time."""
    current = str(bound_field.value() or "")
    options = format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        (
            (value, mark_safe(" selected") if str(value) == current else "", label)
            for value, label in bound_field.field.choices
        ),
    )
    return format_html(
        '<div class="field"><label for="{}">{}</label><select name="{}" id="{}">{}</select></div>',
        bound_field.id_for_label,
        bound_field.label,
        bound_field.html_name,
        bound_field.id_for_label,
        options,
    )
