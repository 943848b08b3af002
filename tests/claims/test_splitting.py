"""Tests for the exact-offset sentence splitter (``claims.nlp.splitting``)."""

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claims.nlp.splitting import split_sentences

SHARED_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
GOLDEN_RULES = SHARED_DATA / "splitting" / "golden_rules_en.json"
SEED_ARTICLE = SHARED_DATA / "seed" / "000_df0be6989c06b2b4.txt"


def sentences(text: str) -> list[str]:
    """The sentences of ``text`` as strings."""
    return [text[start:end] for start, end in split_sentences(text)]


def assert_valid_spans(text: str, spans: list[tuple[int, int]]) -> None:
    """Spans are sorted, disjoint, stripped, non-empty and cover all non-whitespace exactly."""
    previous_end = 0
    covered = 0
    for start, end in spans:
        assert isinstance(start, int)
        assert isinstance(end, int)
        assert previous_end <= start < end <= len(text)
        # Only whitespace is left out between two spans (or before the first one).
        assert text[previous_end:start].strip() == ""
        chunk = text[start:end]
        assert chunk == chunk.strip()
        covered += sum(not char.isspace() for char in chunk)
        previous_end = end
    assert text[previous_end:].strip() == ""
    assert covered == sum(not char.isspace() for char in text)


# --------------------------------------------------------------------------------------------
# Golden rules
# --------------------------------------------------------------------------------------------


def test_it_scores_at_least_46_of_the_48_golden_rules():
    if not GOLDEN_RULES.exists():
        pytest.skip(f"golden rules file not found at {GOLDEN_RULES} (shared/ must sit beside repo)")
    cases = json.loads(GOLDEN_RULES.read_text(encoding="utf-8"))
    assert len(cases) == 48
    failures = []
    for case in cases:
        text = case["text"]
        got = [text[start:end].strip() for start, end in split_sentences(text)]
        if got != case["expected_sentences"]:
            failures.append((case["id"], case["rule"], got))
    assert len(cases) - len(failures) >= 46, failures


# --------------------------------------------------------------------------------------------
# News-style cases
# --------------------------------------------------------------------------------------------


def test_it_returns_nothing_for_empty_or_whitespace_only_text():
    assert split_sentences("") == []
    assert split_sentences(" \n\t\u00a0\r\n \u2029 ") == []


def test_it_returns_exact_offsets_with_surrounding_whitespace_excluded():
    text = "  Hello world.   Second one!\n"
    assert split_sentences(text) == [(2, 14), (17, 28)]


def test_it_keeps_us_abbreviation_inside_a_sentence():
    assert sentences("The U.S. Government said the U.S. economy grew. Markets rose.") == [
        "The U.S. Government said the U.S. economy grew.",
        "Markets rose.",
    ]


def test_it_ends_a_sentence_at_us_when_a_new_sentence_follows():
    assert sentences("I live in the U.S. How about you?") == [
        "I live in the U.S.",
        "How about you?",
    ]


def test_it_keeps_a_reuters_dateline_with_the_first_sentence():
    text = "WASHINGTON (Reuters) - The U.S. Senate passed the bill on Tuesday. It now goes on."
    assert sentences(text) == [
        "WASHINGTON (Reuters) - The U.S. Senate passed the bill on Tuesday.",
        "It now goes on.",
    ]


def test_it_keeps_a_dateline_with_a_month_and_state_abbreviation_intact():
    text = "SPRINGFIELD, Ill., Jan. 5 (AP) — Gov. J.B. Pritzker signed it. It takes effect Feb. 1."
    assert sentences(text) == [
        "SPRINGFIELD, Ill., Jan. 5 (AP) — Gov. J.B. Pritzker signed it.",
        "It takes effect Feb. 1.",
    ]


def test_it_makes_a_headline_and_a_byline_their_own_segments():
    text = (
        "Senate passes aid package for Ukraine\n"
        "By Jane Doe\n"
        "WASHINGTON (Reuters) - The Senate voted 70 to 29. The House is next."
    )
    assert sentences(text) == [
        "Senate passes aid package for Ukraine",
        "By Jane Doe",
        "WASHINGTON (Reuters) - The Senate voted 70 to 29.",
        "The House is next.",
    ]


def test_it_keeps_a_senator_with_party_and_state_in_one_sentence():
    text = "Sen. Elizabeth Warren (D-Mass.) said the bill was flawed. Rep. Jim Jordan disagreed."
    assert sentences(text) == [
        "Sen. Elizabeth Warren (D-Mass.) said the bill was flawed.",
        "Rep. Jim Jordan disagreed.",
    ]


def test_it_handles_honorifics_before_names():
    text = "Mr. Smith met Dr. Jones, Gov. Newsom and Gen. Milley. They talked."
    assert sentences(text) == [
        "Mr. Smith met Dr. Jones, Gov. Newsom and Gen. Milley.",
        "They talked.",
    ]


def test_it_keeps_initials_inside_names():
    text = "The author J. R. R. Tolkien met George W. Bush. Neither spoke."
    assert sentences(text) == ["The author J. R. R. Tolkien met George W. Bush.", "Neither spoke."]


def test_it_handles_money_decimals_and_billions():
    text = (
        "The firm raised $2.5 bn. in debt and pi is 3.14 today. It paid $2.5 bn. The deal closed."
    )
    assert sentences(text) == [
        "The firm raised $2.5 bn. in debt and pi is 3.14 today.",
        "It paid $2.5 bn.",
        "The deal closed.",
    ]


def test_it_handles_company_abbreviations_and_number_signs():
    text = "Apple Inc. Chief Executive Tim Cook ranked No. 5, e.g. above Acme Corp. It was news."
    assert sentences(text) == [
        "Apple Inc. Chief Executive Tim Cook ranked No. 5, e.g. above Acme Corp.",
        "It was news.",
    ]


def test_it_keeps_final_punctuation_inside_closing_quotes():
    text = '"We will not back down," she said. "This is our moment." Then she left.'
    assert sentences(text) == [
        '"We will not back down," she said.',
        '"This is our moment."',
        "Then she left.",
    ]


def test_it_does_not_split_a_quoted_question_followed_by_a_lowercase_verb():
    assert sentences("“Why now?” she asked. Nobody knew.") == [
        "“Why now?” she asked.",
        "Nobody knew.",
    ]


def test_it_handles_ellipses_inside_and_at_the_end_of_sentences():
    text = "He paused ... and then... well, he left. The end… Then silence."
    assert sentences(text) == [
        "He paused ... and then... well, he left.",
        "The end…",
        "Then silence.",
    ]


def test_it_does_not_split_urls_or_email_addresses():
    text = "See https://www.example.com/a/b.html?x=1.5 or mail press@news.example.org. Thanks."
    assert sentences(text) == [
        "See https://www.example.com/a/b.html?x=1.5 or mail press@news.example.org.",
        "Thanks.",
    ]


def test_it_never_joins_sentences_across_a_blank_line():
    text = "The first paragraph has no final period\n\nthe second starts in lower case"
    assert sentences(text) == [
        "The first paragraph has no final period",
        "the second starts in lower case",
    ]


def test_it_joins_hard_wrapped_lines_of_one_sentence():
    text = "The minister said the plan would\ncost about $3 billion. It was approved."
    assert sentences(text) == [
        "The minister said the plan would\ncost about $3 billion.",
        "It was approved.",
    ]


def test_it_does_not_take_a_wrapped_line_ending_in_a_function_word_for_a_heading():
    text = "Talks involved officials from the\nUnited States and Canada. They ended late."
    assert sentences(text) == [
        "Talks involved officials from the\nUnited States and Canada.",
        "They ended late.",
    ]


def test_it_starts_a_new_sentence_after_a_period_followed_by_an_ellipsis():
    text = "The practice was abandoned. . . . The habit was not. He said. ... and left."
    assert sentences(text) == [
        "The practice was abandoned.",
        ". . . The habit was not.",
        "He said.",
        "... and left.",
    ]


def test_it_makes_every_bullet_and_numbered_line_its_own_segment():
    text = (
        "Key points:\n- The U.S. economy grew\n- Inflation fell\n* Jobs rose\n"
        "1. Wages rose\na) Rents"
    )
    assert sentences(text) == [
        "Key points:",
        "- The U.S. economy grew",
        "- Inflation fell",
        "* Jobs rose",
        "1. Wages rose",
        "a) Rents",
    ]


def test_it_splits_inline_numbered_lists_in_sequence():
    assert sentences("1. Raise taxes 2. Cut spending 3. Balance the budget") == [
        "1. Raise taxes",
        "2. Cut spending",
        "3. Balance the budget",
    ]


def test_it_does_not_take_a_number_ending_a_sentence_for_a_list_label():
    assert sentences("1. The vote was 52 to 2. The bill passed.") == [
        "1. The vote was 52 to 2.",
        "The bill passed.",
    ]


def test_it_handles_times_of_day():
    text = "At 5 a.m. Mr. Smith left. He came back at 6 p.m. Monday. He slept at 11 P.M. It rained."
    assert sentences(text) == [
        "At 5 a.m. Mr. Smith left.",
        "He came back at 6 p.m. Monday.",
        "He slept at 11 P.M.",
        "It rained.",
    ]


def test_it_ends_sentences_at_exclamation_and_question_marks():
    assert sentences("Is it true?! Yes! It works at Yahoo! in Sunnyvale.") == [
        "Is it true?!",
        "Yes!",
        "It works at Yahoo! in Sunnyvale.",
    ]


# --------------------------------------------------------------------------------------------
# The example article
# --------------------------------------------------------------------------------------------


@pytest.fixture
def seed_article() -> str:
    if not SEED_ARTICLE.exists():
        pytest.skip(f"seed article not found at {SEED_ARTICLE} (shared/ must sit beside repo)")
    return SEED_ARTICLE.read_text(encoding="utf-8")


def test_it_gives_exact_offsets_on_the_example_article(seed_article):
    spans = split_sentences(seed_article)
    assert_valid_spans(seed_article, spans)
    assert len(spans) == 36
    start, end = spans[1]
    assert seed_article[start:end] == (
        "In this article, we will delve into the topic of NATO troops in Ukraine and explore the "
        "presence of international forces in the region."
    )
    assert seed_article.index("In this article") == start
    # Reassembling the spans with the original gaps reproduces the article exactly.
    rebuilt, cursor = [], 0
    for start, end in spans:
        rebuilt.append(seed_article[cursor:start])
        rebuilt.append(seed_article[start:end])
        cursor = end
    rebuilt.append(seed_article[cursor:])
    assert "".join(rebuilt) == seed_article


def test_it_makes_each_heading_of_the_example_article_its_own_segment(seed_article):
    found = set(sentences(seed_article))
    headings = [
        "NATO Troops in Ukraine: Exploring the Presence of International Forces",
        "The Significance of NATO Troops in Ukraine",
        "Exploring the Various Perspectives",
        "Ukraine\u2019s Perspective",
        "Russia\u2019s Perspective",
        "NATO\u2019s Perspective",
    ]
    for heading in headings:
        assert heading in found
    # Every line of the article without final punctuation is a whole segment.
    for line in seed_article.splitlines():
        line = line.strip()
        if line and line[-1] not in ".!?:":
            assert line in found


def test_it_keeps_numbered_items_of_the_example_article_apart(seed_article):
    items = [s for s in sentences(seed_article) if s[:2] in {"1.", "2.", "3.", "4.", "5."}]
    assert [item[:2] for item in items] == ["1.", "2.", "3.", "4.", "5."]


# --------------------------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------------------------

WHITESPACE = " \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\u00a0\u1680\u2000\u2007\u200a\u2028\u2029\u3000"
# Sentence punctuation, dashes (\u2013 \u2014), bullets (\u2022 \u2043), brackets and quotes.
PUNCTUATION = (
    ".!?\u2026,;:-\u2013\u2014\u2022\u2043*+()[]{}"
    "\"'\u201c\u201d\u2018\u2019\u00ab\u00bb\u00b0$%@/#&"
)
NEWS_WORDS = [
    "U.S.",
    "Mr.",
    "Sen.",
    "Inc.",
    "No.",
    "e.g.",
    "a.m.",
    "J.",
    "I.",
    "I",
    "The",
    "it",
    "said",
    "$2.5",
    "bn.",
    "3.14",
    "1.",
    "2.",
    "a)",
    "b)",
    "(D-Mass.)",
    "...",
    ". . .",
    "….",
    "WASHINGTON",
    "https://x.com/a.b.",
    "a@b.co.",
    '"Yes."',
    "?!",
    "-",
    "•",
    "\n",
    "\n\n",
    " ",
    "[...]",
]

unicode_text = st.text(max_size=300)
whitespace_heavy = st.text(alphabet=st.sampled_from(WHITESPACE + "ab.A1"), max_size=300)
punctuation_heavy = st.text(
    alphabet=st.sampled_from(PUNCTUATION + WHITESPACE[:6] + "aB1"), max_size=300
)
news_like = st.lists(st.sampled_from(NEWS_WORDS), max_size=80).map(" ".join)
mixed = st.lists(st.one_of(unicode_text, news_like, punctuation_heavy), max_size=4).map("".join)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(unicode_text, whitespace_heavy, punctuation_heavy, news_like, mixed))
def test_spans_are_sorted_disjoint_stripped_and_cover_exactly_the_non_whitespace(text):
    assert_valid_spans(text, split_sentences(text))
