"""Markers, numbering and heading prefixes are left out of a claim's wording
(claims/nlp/markers.py)."""

from __future__ import annotations

import pytest

from claims.nlp.markers import claim_span


def _claim(sentence: str, *, before: str = "Intro.\n\n", after: str = "\n\nMore.") -> str:
    """The claim ``claim_span`` keeps of ``sentence`` placed inside a longer text, checking
    that its offsets are exact and only its start moved."""
    text = before + sentence + after
    start, end = len(before), len(before) + len(sentence)
    new_start, new_end = claim_span(text, start, end)
    assert new_end == end
    assert start <= new_start < new_end
    return text[new_start:new_end]


@pytest.mark.parametrize(
    ("sentence", "claim"),
    [
        # Numbering.
        ("1. The council cut the budget by 4 percent.", "The council cut the budget by 4 percent."),
        ("2) Taxes rose in 2023.", "Taxes rose in 2023."),
        ("12. Unemployment fell to 3 percent.", "Unemployment fell to 3 percent."),
        ("(3) Exports doubled.", "Exports doubled."),
        ("(a) The mayor lied about the roads.", "The mayor lied about the roads."),
        ("a) Schools got 2 million dollars.", "Schools got 2 million dollars."),
        ("b. Schools got 2 million dollars.", "Schools got 2 million dollars."),
        ("A) Schools got 2 million dollars.", "Schools got 2 million dollars."),
        ("iv. Crime fell by a third.", "Crime fell by a third."),
        ("(iv) Crime fell by a third.", "Crime fell by a third."),
        ("ii) Crime fell by a third.", "Crime fell by a third."),
        ("IV. Crime fell by a third.", "Crime fell by a third."),
        # Bullets.
        ("- The council cut the budget.", "The council cut the budget."),
        ("* The council cut the budget.", "The council cut the budget."),
        ("+ The council cut the budget.", "The council cut the budget."),
        ("\u2022 The council cut the budget.", "The council cut the budget."),
        ("\u2013 The council cut the budget.", "The council cut the budget."),
        ("\u2014 The council cut the budget.", "The council cut the budget."),
        ("\u25aa The council cut the budget.", "The council cut the budget."),
        ("-   Spaces after the bullet.", "Spaces after the bullet."),
        # Markdown headings and quotes.
        ("# Crime fell by 10 percent", "Crime fell by 10 percent"),
        ("## Crime fell by 10 percent", "Crime fell by 10 percent"),
        ("###### Crime fell by 10 percent", "Crime fell by 10 percent"),
        ("> The minister said taxes fell.", "The minister said taxes fell."),
        # Markers in a row.
        ("## 2. Crime fell by 10 percent.", "Crime fell by 10 percent."),
        ("- (a) Crime fell by 10 percent.", "Crime fell by 10 percent."),
        # Title-like headings before a full sentence.
        (
            "2. Support for Ukraine's Sovereignty: The US sent 60 billion dollars in aid.",
            "The US sent 60 billion dollars in aid.",
        ),
        (
            "Support for Ukraine's Sovereignty: The US sent 60 billion dollars in aid.",
            "The US sent 60 billion dollars in aid.",
        ),
        ("Key Findings \u2013 Crime fell by a third in 2023.", "Crime fell by a third in 2023."),
        ("Key Findings \u2014 Crime fell by a third in 2023.", "Crime fell by a third in 2023."),
        ("- Key Findings - Crime fell by a third in 2023.", "Crime fell by a third in 2023."),
        ("Roads and Bridges \u2014 The city spent 4 million.", "The city spent 4 million."),
        ("The U.S. Economy: Growth was 3 percent last year.", "Growth was 3 percent last year."),
        ("3. Background: The war began in 2014.", "The war began in 2014."),
        (
            "4. Deterrence against Aggression: The presence of troops deters attacks.",
            "The presence of troops deters attacks.",
        ),
        ("- Budget: 40 percent went to roads.", "40 percent went to roads."),
        ('## Key Numbers: "Crime fell," the mayor said.', '"Crime fell," the mayor said.'),
        ("Roads and Bridges: The city spent 4 million.", "The city spent 4 million."),
    ],
)
def test_markers_and_headings_are_left_out(sentence, claim):
    assert _claim(sentence) == claim


@pytest.mark.parametrize(
    "sentence",
    [
        "2020 was a record year.",
        "Dr. Smith said the vaccine works.",
        "U.S. exports rose by 4 percent.",
        "Mr. Jones denied it.",
        "I. M. Pei designed the building.",
        "A. Smith said the figures were wrong.",
        "3.5 million people voted.",
        "1,200 jobs were lost.",
        "-5 degrees was the coldest night.",
        "100% of the money went to roads.",
        "The report says: crime fell by a third.",
        "The report says: Crime fell by a third.",
        "Biden: The economy grew by 3 percent.",
        "Officials said - and the data agree - that crime fell.",
        "Key Findings - Crime fell by a third in 2023.",
        "In California - I'm surprised Governor Reagan brought this up.",
        "In California \u2013 I'm surprised Governor Reagan brought this up.",
        "And the B - 1 is similarly to be opposed.",
        "The Mayor Said Yes: it passed.",
        "Note: the figures are from 2022.",
        "Crime Fell: Yes.",
        "He was born in 1960. Mr. Smith: The data are wrong.",
        "The city spent 4 million dollars on roads in 2023.",
    ],
)
def test_real_sentence_starts_are_kept(sentence):
    assert _claim(sentence) == sentence


@pytest.mark.parametrize("sentence", ["- ", "1.", "##", "- \u2022", "(a) -"])
def test_a_span_with_nothing_but_markers_is_unchanged(sentence):
    text = f"x {sentence} y"
    start, end = 2, 2 + len(sentence)
    assert claim_span(text, start, end) == (start, end)


def test_offsets_are_exact_at_the_very_start_and_end_of_the_text():
    text = "1. The council cut the budget."
    start, end = claim_span(text, 0, len(text))
    assert (start, end) == (3, len(text))
    assert text[start:end] == "The council cut the budget."


def test_only_the_span_is_read():
    # A marker-like prefix before the span, or a heading after its end, changes nothing.
    text = "- Lead. The council cut the budget: Roads And Bridges: More here."
    start = text.index("The council")
    end = text.index(":") + 1
    assert claim_span(text, start, end) == (start, end)
