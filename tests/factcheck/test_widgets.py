"""``PythonSelect`` writes what Django's ``Select`` template writes."""

from __future__ import annotations

import pytest
from django import forms
from django.utils.safestring import mark_safe

from factcheck.lib.widgets import PythonSelect

CHOICES = [
    ("", "Any"),
    ("a", 'A & "B" <c>'),
    (1, "One"),
    (2, mark_safe("<em>safe</em>")),  # a label already marked safe
    ("Group & co", [("g1", "First"), ("g2", "Second")]),
]


@pytest.mark.parametrize(
    ("value", "attrs"),
    [
        (None, None),
        ("a", {"id": "id_x", "class": "wide"}),
        (1, {"data-q": 'a"b', "disabled": True, "hidden": False, "required": True}),
        ("g2", {"aria-describedby": "help <x>"}),
    ],
)
def test_it_renders_exactly_as_django_select(value, attrs):
    django_widget = forms.Select(choices=CHOICES, attrs={"autocomplete": "off"})
    python_widget = PythonSelect(choices=CHOICES, attrs={"autocomplete": "off"})
    expected = django_widget.render("na<me", value, attrs=attrs)
    assert python_widget.render("na<me", value, attrs=attrs) == expected
    assert "selected" in expected or value is None


def test_a_model_choice_field_renders_the_same(db):
    from claims.models import RatingLevel
    from tests.factories import rating_level

    level = rating_level("mixed")
    queryset = RatingLevel.objects.filter(scale__is_active=True)
    field = forms.ModelChoiceField(queryset=queryset, empty_label="Choose a rating")
    expected = field.widget.render("rating", level.pk)
    ours = forms.ModelChoiceField(queryset=queryset, empty_label="Choose", widget=PythonSelect)
    ours.empty_label = "Choose a rating"
    ours.widget.choices = field.widget.choices
    assert ours.widget.render("rating", level.pk) == expected
    assert f'value="{level.pk}" selected' in expected


# --------------------------------------------------------- the project's form renderer
# ``PythonWidgetRenderer`` writes <input> and <textarea> in Python: byte for byte what
# Django's own renderer makes of the same widget context.

INPUT_WIDGETS = [
    forms.TextInput,
    forms.URLInput,
    forms.EmailInput,
    forms.NumberInput,
    forms.HiddenInput,
    forms.PasswordInput,
    forms.DateInput,
    forms.TimeInput,
    forms.DateTimeInput,
    forms.CheckboxInput,
    forms.Textarea,
]
VALUES = [None, "", "plain", 'quo"te & <tag>', mark_safe("<b>safe</b>"), 42, "  spaced  \n"]
ATTRS = [
    None,
    {"id": "id_x", "class": "wide"},
    {"required": True, "disabled": False, "data-q": 'a"b<', "maxlength": 20},
    {"aria-describedby": mark_safe("help&amp;x")},
]


@pytest.mark.parametrize("widget_class", INPUT_WIDGETS, ids=lambda c: c.__name__)
@pytest.mark.parametrize("value", VALUES, ids=repr)
@pytest.mark.parametrize("attrs", ATTRS, ids=repr)
def test_the_renderer_writes_inputs_exactly_as_django(widget_class, value, attrs):
    from django.forms.renderers import DjangoTemplates

    from factcheck.lib.widgets import PythonWidgetRenderer

    widget = widget_class(attrs={"autocomplete": "off"})
    expected = widget.render("na<me", value, attrs=attrs, renderer=DjangoTemplates())
    ours = widget.render("na<me", value, attrs=attrs, renderer=PythonWidgetRenderer())
    assert ours == expected
    assert ours.startswith(("<input", "<textarea"))


def test_the_project_renders_forms_with_it_and_other_widgets_go_through_templates():
    from django.forms.renderers import get_default_renderer

    from factcheck.lib.widgets import PythonWidgetRenderer

    renderer = get_default_renderer()
    assert isinstance(renderer, PythonWidgetRenderer)
    radio = forms.RadioSelect(choices=[("a", "A"), ("b", "B")])
    assert radio.render("r", "a", renderer=renderer) == radio.render(
        "r", "a", renderer=forms.renderers.DjangoTemplates()
    )
