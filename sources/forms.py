"""Forms of the link health pages."""

from __future__ import annotations

from django import forms

from sources.models import LinkState
from sources.services import OVERRIDE_STATES


class LinkOverrideForm(forms.Form):
    SET, CLEAR = "set", "clear"

    action = forms.ChoiceField(choices=[(SET, "Set"), (CLEAR, "Clear")], widget=forms.HiddenInput)
    state = forms.ChoiceField(
        label="State to show",
        choices=[(value, LinkState(value).label) for value in OVERRIDE_STATES],
        required=False,
    )
    reason = forms.CharField(
        label="Reason (recorded with your name)",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        required=False,
    )

    def clean(self):
        data = super().clean()
        if data.get("action") == self.SET:
            if not data.get("state"):
                self.add_error("state", "Choose the state to show for this link.")
            if not (data.get("reason") or "").strip():
                self.add_error("reason", "Say why: the reason is recorded with the override.")
        return data
