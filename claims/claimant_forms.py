"""Forms of the claim page's "who said it, where and when" (``claims.views.claimants``)."""

from __future__ import annotations

from django import forms

from claims.models import Appearance, Claimant
from factcheck.lib.versions import version_field


class ClaimantSetForm(forms.Form):
    """Pick a claimant found by the search box (``claimant``), or type a name: found by
    name or alias, else created with ``kind`` (works without script). ``clear`` unsets."""

    version = version_field()
    claimant = forms.IntegerField(required=False, widget=forms.HiddenInput)
    name = forms.CharField(label="Who said it", max_length=300, required=False)
    kind = forms.ChoiceField(
        choices=Claimant.Kind.choices, initial=Claimant.Kind.PERSON, required=False
    )
    clear = forms.BooleanField(required=False)

    def clean(self):
        data = super().clean()
        if not data.get("clear") and not data.get("claimant") and not data.get("name"):
            self.add_error("name", "Give the name of who made the claim.")
        return data


class AppearanceForm(forms.Form):
    version = version_field()
    kind = forms.ChoiceField(
        choices=[(k.value, k.label) for k in Appearance.Kind if k != Appearance.Kind.ARTICLE]
    )
    url = forms.URLField(
        label="Address of the page or post", max_length=2000, required=False, assume_scheme="https"
    )
    medium = forms.ChoiceField(choices=[("", "—"), *Appearance.Medium.choices], required=False)
    programme = forms.CharField(label="Programme or event", max_length=300, required=False)
    said_on = forms.DateField(
        label="Date", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    timestamp = forms.CharField(
        label="Time in the recording (hh:mm:ss)", max_length=8, required=False
    )
    description = forms.CharField(
        label="Description", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
