"""Forms of the link health and sources pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from factcheck.lib.versions import version_field
from sources.fetching import InvalidURL, web_address
from sources.locales import countries_shown, languages_shown
from sources.models import LinkState, Reliability, SourceKind
from sources.services import OVERRIDE_STATES


class LinkOverrideForm(forms.Form):
    SET, CLEAR = "set", "clear"

    version = version_field()  # the link's (its override's)

    action = forms.ChoiceField(
        choices=[(SET, _("Set")), (CLEAR, _("Clear"))], widget=forms.HiddenInput
    )
    state = forms.ChoiceField(
        label=_("State to show"),
        choices=[(value, LinkState(value).label) for value in OVERRIDE_STATES],
        required=False,
    )
    reason = forms.CharField(
        label=_("Reason (recorded with your name)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        required=False,
    )

    def clean(self):
        data = super().clean()
        if data.get("action") == self.SET:
            if not data.get("state"):
                self.add_error("state", gettext("Choose the state to show for this link."))
            if not (data.get("reason") or "").strip():
                self.add_error(
                    "reason", gettext("Say why: the reason is recorded with the override.")
                )
        return data


# ----------------------------------------------------------------------- sources registry


def _country_choices():
    return [
        ("", gettext("Not set")),
        *((code, f"{name} ({code})") for code, name in countries_shown().items()),
    ]


def _language_choices():
    return [
        ("", gettext("Not set")),
        *((code, f"{name} ({code})") for code, name in languages_shown().items()),
    ]


class SourceForm(forms.Form):
    """A source as admins edit it (``sources.services.source_create`` / ``source_update``
    validate and store it)."""

    name = forms.CharField(label=_("Name"), max_length=300)
    kind = forms.ChoiceField(label=_("Kind"), choices=SourceKind.choices, initial=SourceKind.OTHER)
    home_url = forms.URLField(
        label=_("Home page"), max_length=2000, required=False, assume_scheme="https"
    )
    domains = forms.CharField(
        label=_("Domains"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false"}),
        help_text=_(
            "The domains the source owns, separated by spaces or new lines "
            "(example.org covers www.example.org and news.example.org unless those are "
            "registered separately)."
        ),
    )
    country = forms.ChoiceField(label=_("Country"), choices=_country_choices, required=False)
    language = forms.ChoiceField(label=_("Language"), choices=_language_choices, required=False)
    rating = forms.ChoiceField(
        label=_("Reliability"), choices=Reliability.choices, initial=Reliability.UNRATED
    )
    rating_rationale = forms.CharField(
        label=_("Why this rating"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Required with a rating; a change of rating or rationale is kept in the "
            "source's rating history with your name."
        ),
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    @classmethod
    def initial_for(cls, source) -> dict:
        return {
            "name": source.name,
            "kind": source.kind,
            "home_url": source.home_url,
            "domains": "\n".join(d.domain for d in source.domains.all()),
            "country": source.country,
            "language": source.language,
            "rating": source.rating,
            "rating_rationale": source.rating_rationale,
            "notes": source.notes,
            "version": source.version,
        }

    def clean_home_url(self):
        url = self.cleaned_data.get("home_url") or ""
        if url:
            try:
                # The fetcher's check of a typed address (odd IP notations, userinfo, length).
                web_address(url)
            except InvalidURL as exc:
                raise forms.ValidationError(str(exc)) from None
        return url

    def clean(self):
        data = super().clean()
        if (
            data.get("rating", Reliability.UNRATED) != Reliability.UNRATED
            and not (data.get("rating_rationale") or "").strip()
        ):
            self.add_error(
                "rating_rationale", gettext("Say why: a rating is recorded with its rationale.")
            )
        return data


class SourceEditForm(SourceForm):
    """Changing a source: made from the ``version`` of it the page showed."""

    version = version_field()


class RegisterDomainForm(forms.Form):
    """One row of the unregistered domains list: create a source for it in one step."""

    domain = forms.CharField(max_length=253, widget=forms.HiddenInput)
    name = forms.CharField(label=_("Name"), max_length=300, required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=SourceKind.choices, initial=SourceKind.OTHER)


class SourceImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "UTF-8 (with or without a byte-order mark), a header row first. Columns: "
            "name (required), kind, home_url, domains, country, language, rating, "
            "rating_rationale, notes."
        ),
    )


class SourceImportConfirmForm(forms.Form):
    """Carries the previewed file, signed and compressed, to its confirmation."""

    payload = forms.CharField(widget=forms.HiddenInput)
