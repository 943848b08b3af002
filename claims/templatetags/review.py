"""Template helpers of the reviewer area."""

from __future__ import annotations

import unicodedata
from decimal import ROUND_HALF_UP, Decimal
from html import escape

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.dates import MONTHS_3
from django.utils.formats import get_format
from django.utils.safestring import mark_safe
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from audit.templatetags import audit as audit_tags
from claims import hooks
from claims import links as link_reads
from claims.rendering import render_note_body

register = template.Library()


@register.filter
def render_note(note):
    return render_note_body(note.body, note.format)


# Histories and people are the audit app's filters; offered here too, since the claims
# pages load this library.
register.filter("person", audit_tags.person)
register.filter("audit_value", audit_tags.audit_value)


# The marker in a reversed claim URL that is replaced by each row's claim number.
_PK_MARK = 987654321
_CENT = Decimal("0.01")


def _chars(text: str, length: int) -> str:
    """``truncatechars``: text longer than ``length`` characters is cut with an ellipsis.
    Text no longer than that (most claims) skips Truncator's per-character scan."""
    if len(text) <= length:
        return unicodedata.normalize("NFC", text)
    return Truncator(text).chars(length)


@register.simple_tag
def queue_rows(claims) -> str:
    """The reviewer queue's rows (``claims`` from ``selectors.claim_queue_rows``).

    Built in Python, as Django's admin builds its change-list rows: through the template
    engine the 50 rows of a page cost 14 ms of CPU, a third of the page (dates, truncation,
    the rating include, a URL reversed per row); this writes the same markup, escaped the
    same way, in under 2 ms (docs/benchmarks.md, "Pages"). The rating badge is
    ``claims/_rating.html``'s markup; the score is ``floatformat:2``; the date is
    ``date:"j M Y H:i"`` in the current time zone; a test compares the two renderings.
    """
    detail_url = reverse("claims:claim_detail", kwargs={"pk": _PK_MARK}).replace(
        str(_PK_MARK), "{}"
    )
    months = {n: str(name).title() for n, name in MONTHS_3.items()}  # the "M" of a date
    point = str(get_format("DECIMAL_SEPARATOR"))
    # The words of the rows, translated once per page (escaped: translators write them).
    # (Each gettext call outside the f-strings: xgettext does not look inside them.)
    no_rating = escape(_("No rating"))
    no_rating = f'<span class="muted">{no_rating}</span>'
    nobody = escape(_("nobody"))
    nobody = f'<span class="muted">{nobody}</span>'
    link_trouble = escape(_("dead or failing link"))
    link_trouble = f' <span class="badge badge-warn">{link_trouble}</span>'
    at_risk = escape(_("evidence at risk"))
    at_risk = f' <span class="badge badge-warn">{at_risk}</span>'
    entered = escape(_("entered by a reviewer, not from an article"))
    demo_badge = escape(_("demo"))
    demo_badge = f' <span class="badge badge-demo">{demo_badge}</span>'
    select_label = _("Select claim #%(number)s")
    # Each cell's column name, which a phone shows before the value (the table's header row
    # is hidden there: app.css, ``td[data-label]::before``).
    labels = {
        key: escape(text)
        for key, text in (
            ("status", _("Status")),
            ("rating", _("Rating")),
            ("assignee", _("Assignee")),
            ("evidence", _("Evidence")),
            ("score", _("Score")),
            ("updated", _("Updated")),
        )
    }
    rows = []
    for claim in claims:
        pk = claim.pk
        article = claim.article
        if claim.rating_id:
            rating = (
                f'<span class="rating rating-{claim.rating_id}">{escape(claim.rating.label)}</span>'
            )
        else:
            rating = no_rating
        assignee = escape(claim.assignee.get_username()) if claim.assignee_id else nobody
        evidence = str(claim.evidence_count)
        if claim.has_link_trouble:
            evidence += link_trouble
        if claim.evidence_at_risk:
            evidence += at_risk
        if claim.note_count:
            notes = ngettext("%(count)s note", "%(count)s notes", claim.note_count) % {
                "count": claim.note_count
            }
            evidence += f'<br><span class="muted">{escape(notes)}</span>'
        if claim.checkworthiness is None:
            score = "\u2013"
        else:
            cents = Decimal(repr(claim.checkworthiness)).quantize(_CENT, ROUND_HALF_UP)
            score = format(cents, "f").replace(".", point)
        at = timezone.localtime(claim.updated_at)
        when = f"{at.day} {months[at.month]} {at.year} {at.hour:02d}:{at.minute:02d}"
        if article is None:
            where, demo = entered, ""
        else:
            where = escape(_chars(article.title, 70))
            demo = demo_badge if article.is_demo else ""
        rows.append(
            "<tr data-row>"
            f'<td><input type="checkbox" name="claims" value="{pk}" form="bulk-assign" '
            f'id="select-{pk}" aria-label="{escape(select_label % {"number": pk})}"></td>'
            f"<td>#{pk}</td>"
            f'<td><a href="{detail_url.format(pk)}" class="row-link">'
            f"{escape(_chars(claim.text, 160))}</a>"
            f'<br><span class="muted">{where}</span>{demo}</td>'
            f'<td data-label="{labels["status"]}">'
            f'<span class="state state-{escape(claim.status)}">'
            f"{escape(claim.get_status_display())}</span></td>"
            f'<td data-label="{labels["rating"]}">{rating}</td>'
            f'<td data-label="{labels["assignee"]}">{assignee}</td>'
            f'<td data-label="{labels["evidence"]}">{evidence}</td>'
            f'<td data-label="{labels["score"]}">{score}</td>'
            f'<td data-label="{labels["updated"]}">'
            f'<time datetime="{at.isoformat()}">{when}</time></td>'
            "</tr>\n"
        )
    # Every value above is escaped (html.escape, as Django's escape filter) or a number.
    return mark_safe("".join(rows))  # noqa: S308


@register.inclusion_tag("claims/_reader_details_form.html")
def reader_details_form(article, form=None):
    """The reviewer article page's form for the article's topics and publisher (``form``:
    the user's input kept after a conflict)."""
    from claims.forms import ArticleReaderDetailsForm
    from claims.languages import language_name

    if not form:
        form = ArticleReaderDetailsForm(
            initial={
                "topics": list(article.topics.all()),
                "publisher": article.publisher_id,
                "may_republish": article.may_republish,
                "language": article.language,
                "version": article.version,
            }
        )
        choices = form.fields["language"].choices
        if article.language and article.language not in {code for code, _label in choices}:
            # A tag off CLDR's list (a region given through the API) stays selected.
            form.fields["language"].choices = [
                (article.language, language_name(article.language)),
                *choices,
            ]
    return {"article": article, "form": form}


@register.filter
def public_url(obj) -> str:
    """The public address of an article or published claim ("" when the site has none)."""
    return hooks.public_url(obj) or ""


@register.inclusion_tag("claims/_evidence_at_risk_notice.html", takes_context=True)
def evidence_at_risk_notice(context):
    """The reviewer queue's flag of published verdicts whose evidence is at risk (one or two
    queries; nothing when there is none)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.has_perm("sources.view_link"):
        return {"at_risk_claims": []}
    verdicts = link_reads.evidence_at_risk_verdicts(user=user).prefetch_related(None)
    count = verdicts.count()
    return {
        "at_risk_count": count,
        "at_risk_claims": list(verdicts[:10]) if count else [],
        "can_see_page": user.has_perm("sources.override_link"),
    }
