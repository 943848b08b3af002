"""``{% load link_health %}{% evidence_at_risk_notice %}``: the reviewer queue's flag of
published verdicts whose evidence is at risk (one or two queries; nothing when there is none)."""

from django import template

from sources import selectors

register = template.Library()


@register.inclusion_tag("sources/_evidence_at_risk_notice.html", takes_context=True)
def evidence_at_risk_notice(context):
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.has_perm("sources.view_link"):
        return {"at_risk_claims": []}
    verdicts = selectors.evidence_at_risk_verdicts(user=user).prefetch_related(None)
    count = verdicts.count()
    return {
        "at_risk_count": count,
        "at_risk_claims": list(verdicts[:10]) if count else [],
        "can_see_page": user.has_perm("sources.override_link"),
    }
