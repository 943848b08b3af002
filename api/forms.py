from __future__ import annotations

from django import forms

from api.models import ApiToken, WebhookEndpoint


class TokenForm(forms.Form):
    name = forms.CharField(
        label="Name",
        max_length=ApiToken._meta.get_field("name").max_length,
        help_text="What the token is for, e.g. “Newsroom CMS” or “fact-check widget”.",
    )


class WebhookForm(forms.Form):
    url = forms.CharField(
        label="Receiver address",
        max_length=2000,
        help_text="An https:// address of your system that accepts POSTed JSON.",
    )
    events = forms.MultipleChoiceField(
        label="Events",
        choices=WebhookEndpoint.Event.choices,
        widget=forms.CheckboxSelectMultiple,
    )
