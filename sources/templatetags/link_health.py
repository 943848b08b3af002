"""``{% load link_health %}``: helpers of the link-health pages."""

from django import template

from sources.usage import usage

register = template.Library()


@register.simple_tag(takes_context=True)
def link_tabs(context) -> list:
    """The navigation's further tabs that the apps above sources add (``sources.usage``)."""
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return []
    return usage().link_tabs(request=request)
