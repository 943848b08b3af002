"""Form widgets shared by the apps."""

from __future__ import annotations

from django import forms
from django.utils.html import conditional_escape, escape
from django.utils.safestring import mark_safe


def _attrs(attrs: dict) -> str:
    """``django/forms/widgets/attrs.html``."""
    out = []
    for name, value in attrs.items():
        if value is False:
            continue
        out.append(f" {conditional_escape(name)}")
        if value is not True:
            out.append(f'="{escape(str(value))}"')
    return "".join(out)


class PythonSelect(forms.Select):
    """``forms.Select`` with its markup written in Python instead of through the template
    renderer, which renders one template per ``<option>``: about 70 µs an option, 1.5 ms for
    a select of the desk's reviewers, several milliseconds a page on the reviewer queue and
    the claim page (docs/benchmarks.md, "Pages"). The output is the same, byte for byte, as
    ``django/forms/widgets/select.html`` (a test compares them); the choices, attributes and
    selection come from Django's own ``get_context``.
    """

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        parts = [f'<select name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>']
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                parts.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
            for option in options:
                parts.append(
                    f'\n  <option value="{escape(str(option["value"]))}"'
                    f"{_attrs(option['attrs'])}>{conditional_escape(option['label'])}</option>\n"
                )
            if group_name:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>")
        # Every value above went through Django's escape functions, as in the templates.
        return mark_safe("".join(parts))  # noqa: S308
