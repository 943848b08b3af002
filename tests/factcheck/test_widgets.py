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
