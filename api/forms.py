from __future__ import annotations

from django import forms

from api.models import ApiToken


class TokenForm(forms.Form):
    name = forms.CharField(
        label="Name",
        max_length=ApiToken._meta.get_field("name").max_length,
        help_text="What the token is for, e.g. “Newsroom CMS” or “fact-check widget”.",
    )
