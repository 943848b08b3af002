"""Forms of the claim page's "who said it, where and when" (``claims.views.claimants``)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from claims.models import Appearance, Claimant
from claims.services import CLAIM_TEXT_MAX
from factcheck.lib.versions import version_field


class ClaimantSetForm(forms.Form):
    """Pick a claimant found by the search box (``claimant``), or type a name: found by
    name or alias, else created with ``kind`` (works without script). ``clear`` unsets."""

    version = version_field()
    claimant = forms.IntegerField(required=False, widget=forms.HiddenInput)
    name = forms.CharField(label=gettext_lazy("Who said it"), max_length=300, required=False)
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind"),
        choices=Claimant.Kind.choices,
        initial=Claimant.Kind.PERSON,
        required=False,
    )
    clear = forms.BooleanField(label=gettext_lazy("Clear"), required=False)

    def clean(self):
        data = super().clean()
        if not data.get("clear") and not data.get("claimant") and not data.get("name"):
            self.add_error("name", _("Give the name of who made the claim."))
        return data


class WhereForm(forms.Form):
    """Where and when a claim was made (an appearance other than an article)."""

    kind = forms.ChoiceField(
        label=gettext_lazy("Where"),
        choices=[(k.value, k.label) for k in Appearance.Kind if k != Appearance.Kind.ARTICLE],
    )
    url = forms.URLField(
        label=gettext_lazy("Address of the page or post"),
        max_length=2000,
        required=False,
        assume_scheme="https",
    )
    medium = forms.ChoiceField(
        label=gettext_lazy("Medium"),
        choices=[("", "—"), *Appearance.Medium.choices],
        required=False,
    )
    programme = forms.CharField(
        label=gettext_lazy("Programme or event"), max_length=300, required=False
    )
    said_on = forms.DateField(
        label=gettext_lazy("Date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    timestamp = forms.CharField(
        label=gettext_lazy("Time in the recording (hh:mm:ss)"), max_length=8, required=False
    )
    description = forms.CharField(
        label=gettext_lazy("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def where(self) -> dict:
        """The cleaned fields as ``appearance_add``/``claim_enter`` take them."""
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "url": data.get("url") or "",
            "medium": data.get("medium") or "",
            "programme": data.get("programme") or "",
            "said_on": data.get("said_on"),
            "timestamp": data.get("timestamp") or "",
            "description": data.get("description") or "",
        }


class AppearanceForm(WhereForm):
    version = version_field()


class ClaimEnterForm(WhereForm):
    """ "Add a claim": its wording, who said it (a claimant found by the search box, or a
    name found or created), where and when."""

    text = forms.CharField(
        label=gettext_lazy("The claim, as it was made"),
        max_length=CLAIM_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("One statement, in the claimant's words where you have them."),
    )
    claimant = forms.IntegerField(required=False, widget=forms.HiddenInput)
    name = forms.CharField(
        label=gettext_lazy("Who said it (optional)"),
        max_length=300,
        required=False,
        help_text=gettext_lazy(
            "An existing claimant is found by name or alias; a new one is created."
        ),
        widget=forms.TextInput(
            attrs={"type": "search", "list": "claimant-options", "autocomplete": "off"}
        ),
    )
    claimant_kind = forms.ChoiceField(
        label=gettext_lazy("Person or organisation"),
        choices=Claimant.Kind.choices,
        initial=Claimant.Kind.PERSON,
        required=False,
    )
    field_order = ["text", "name", "claimant_kind", "claimant", "kind"]
