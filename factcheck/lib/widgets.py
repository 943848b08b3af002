"""Form widgets shared by the apps."""

from __future__ import annotations

from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.html import conditional_escape, escape
from django.utils.safestring import mark_safe


def _text(value) -> str:
    """``{{ value|stringformat:'s' }}`` with autoescaping: already-safe strings are kept."""
    return conditional_escape(value if isinstance(value, str) else str(value))


def _attrs(attrs: dict) -> str:
    """``django/forms/widgets/attrs.html``."""
    out = []
    for name, value in attrs.items():
        if value is False:
            continue
        out.append(f" {conditional_escape(name)}")
        if value is not True:
            out.append(f'="{_text(value)}"')
    return "".join(out)


# Django's templates for these widgets all just include "django/forms/widgets/input.html".
_INPUT_TEMPLATES = frozenset(
    f"django/forms/widgets/{kind}.html"
    for kind in [
        "input",
        "checkbox",
        "color",
        "date",
        "datetime",
        "email",
        "file",
        "hidden",
        "number",
        "password",
        "search",
        "tel",
        "text",
        "time",
        "url",
    ]
)
_TEXTAREA_TEMPLATE = "django/forms/widgets/textarea.html"


class PythonWidgetRenderer(DjangoTemplates):
    """Django's default form renderer, with ``<input>`` and ``<textarea>`` written in Python.

    Through the template engine each one costs three template renders (the widget's, the
    shared ``input.html``, ``attrs.html``): about 0.3 ms each, 3-4 ms on the claim page's
    dozen fields. The output is the same, byte for byte, as Django's templates (a test
    renders every kind of input and the textarea both ways, with escaping, booleans, ``None``
    and safe strings); the context still comes from each widget's own ``get_context``, and
    every other template (selects, forms, fields, the admin's) goes to the engine unchanged.
    """

    def render(self, template_name, context, request=None):
        if template_name in _INPUT_TEMPLATES:
            widget = context["widget"]
            value = widget["value"]
            shown = f' value="{_text(value)}"' if value is not None else ""
            # Every value went through Django's escape functions, as in the templates.
            return mark_safe(  # noqa: S308
                f'<input type="{conditional_escape(widget["type"])}" '
                f'name="{conditional_escape(widget["name"])}"{shown}{_attrs(widget["attrs"])}>'
            )
        if template_name == _TEXTAREA_TEMPLATE:
            widget = context["widget"]
            value = widget["value"]
            body = conditional_escape(value) if value else ""
            return mark_safe(  # noqa: S308
                f'<textarea name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>'
                f"\n{body}</textarea>"
            )
        return super().render(template_name, context, request=request)


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
