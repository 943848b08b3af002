"""The language an article is written in: detected at ingestion, set by reviewers.

An article's ``language`` is a BCP-47 tag in lower case (``"en"``, ``"es"``, ``"pt-br"``,
``"ar"``), blank when unknown. It picks the sentence splitter's rules
(``claims.nlp.split_sentences(text, language=...)``) and the check-worthiness model
(:func:`claims.nlp.checkworthiness.has_model`: English, Spanish, Arabic; an article in another
language is "not scored" and its sentences are triaged by hand), and it is the ClaimReview's
``inLanguage`` on the reader site.

Detection is py3langid (a maintained fork of langid.py: a naive Bayes classifier over byte
n-grams, 97 languages, its model shipped in the package) with probabilities normalised over the
languages. A text with fewer than :data:`MIN_LETTERS` letters, or whose best language is
below :data:`MIN_CONFIDENCE` (too little to tell), or whose paragraphs and sentences are
mostly in other languages (:data:`MIXED_SHARE`: a mix), gets no answer (``""``), and
ingestion then uses ``FACTCHECK_CONTENT_LANGUAGE``. Accuracy, speed and memory
measured on the UD sentence-splitting data: docs/benchmarks.md, "Language detection".
"""

from __future__ import annotations

import re
import threading
from functools import cache

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext_lazy

from sources import locales

__all__ = [
    "MIN_CONFIDENCE",
    "MIN_LETTERS",
    "MIXED_SHARE",
    "SAMPLE_CHARS",
    "content_language",
    "detect",
    "detect_or_default",
    "detector_load",
    "language_choices",
    "language_name",
    "language_normalize",
]

# Fewer letters than this: not enough to tell (a name, a date line, "Regards,").
MIN_LETTERS = 20
# Below this probability for the best language the text is taken as undetected. On the UD
# sentences and paragraphs of ten languages (docs/benchmarks.md) 0.7 left 13% unanswered
# (mostly one-line fragments) and 0.17% wrong; 0.5 left 9.5% unanswered and 0.5% wrong.
MIN_CONFIDENCE = 0.7
# A text whose pieces (paragraphs and sentences of at least MIN_LETTERS letters) are less than
# this share (by letters) in the language found for the whole is mixed: not detected.
MIXED_SHARE = 0.6
# Only the start of a long text is read: the title and the first this many characters are
# plenty for a confident answer, and detection stays a few milliseconds on a 5 MB article.
SAMPLE_CHARS = 5000

# py3langid's answers that are not languages.
_NOT_LANGUAGES = frozenset({"und", "zxx", "mul", "mis"})
_LETTER_RE = re.compile(r"[^\W\d_]")
_PIECE_RE = re.compile(r"\n\s*\n|(?<=[.!?\u3002\uff01\uff1f\u061f])\s+")

_identifier = None
_lock = threading.Lock()


def _get_identifier():
    """py3langid's classifier with normalised probabilities, loaded on first use (about half
    a second and 120 MB with numpy) and kept for the life of the process."""
    global _identifier
    if _identifier is None:
        with _lock:
            if _identifier is None:
                from py3langid.langid import MODEL_FILE, LanguageIdentifier

                _identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    return _identifier


def detector_load() -> None:
    """Load the classifier now rather than on the first detection: a worker that ingests
    articles calls this before its pool forks (``claims.tasks``), so its pool processes share
    the model's memory (copy-on-write) instead of each loading its own on its first article."""
    _get_identifier()


def content_language() -> str:
    """``FACTCHECK_CONTENT_LANGUAGE``: the language assumed when none can be detected, and
    the language of claims entered without an article."""
    value = getattr(settings, "FACTCHECK_CONTENT_LANGUAGE", "en") or "en"
    return value.strip().replace("_", "-").lower() or "en"


def detect(text: str) -> str:
    """The language of ``text`` (a lower-case code such as ``"es"``), or ``""`` when it is
    too short or no language is likely enough (see :data:`MIN_CONFIDENCE`)."""
    sample = (text or "")[:SAMPLE_CHARS]
    if len(_LETTER_RE.findall(sample)) < MIN_LETTERS:
        return ""
    identifier = _get_identifier()
    code, confidence = identifier.classify(sample)
    code = code.lower()
    if confidence < MIN_CONFIDENCE or code in _NOT_LANGUAGES or code not in _known():
        # Not sure, or a language CLDR has no name for (a few of py3langid's: "bcl", "gom").
        return ""
    if _share(identifier, sample, code) < MIXED_SHARE:
        return ""
    return code


def _share(identifier, sample: str, code: str) -> float:
    """The share of the letters of ``sample``'s pieces (paragraphs, sentences) that are in
    pieces classified as ``code``; 1.0 when no piece is long enough to tell."""
    total = same = 0
    for piece in _PIECE_RE.split(sample):
        letters = len(_LETTER_RE.findall(piece))
        if letters < MIN_LETTERS:
            continue
        total += letters
        if identifier.classify(piece)[0] == code:
            same += letters
    return same / total if total else 1.0


def detect_or_default(text: str) -> str:
    """:func:`detect`, or ``FACTCHECK_CONTENT_LANGUAGE`` when nothing is detected."""
    return detect(text) or content_language()


@cache
def _known() -> dict[str, str]:
    """Lower-case code -> English name, for every CLDR language (``sources.locales``)."""
    return {code.lower(): name for code, name in locales.languages().items()}


def language_normalize(value: str) -> str:
    """The stored form of a language tag (``"pt_BR"`` -> ``"pt-br"``), ``""`` for blank.

    Raises ``ValidationError`` unless it is a language CLDR knows (with or without a region):
    ``"es-ar"`` is accepted when ``"es"`` is known."""
    code = (value or "").strip().replace("_", "-").lower()
    if not code:
        return ""
    known = _known()
    if len(code) > 16 or (code not in known and code.split("-", 1)[0] not in known):
        raise ValidationError(
            gettext_lazy("“%(value)s” is not a language: use a code such as en, es or pt-br.")
            % {"value": value.strip()[:40]},
            code="language",
        )
    return code


@cache
def _names(ui_language: str) -> dict[str, str]:
    """Lower-case code -> name in ``ui_language`` (CLDR, through Babel), sorted by name;
    English names where Babel has no such locale or no name."""
    from babel import Locale, UnknownLocaleError

    try:
        names = Locale.parse(ui_language.replace("-", "_")).languages
    except (ValueError, UnknownLocaleError):
        return _known()
    found = {
        code.lower(): names.get(code.replace("-", "_")) or name
        for code, name in locales.languages().items()
    }
    return dict(sorted(found.items(), key=lambda item: item[1].casefold()))


def _localized() -> dict[str, str]:
    return _names(translation.get_language() or "en")


def language_name(code: str) -> str:
    """The name of a stored code in the interface's language (``"es"`` -> ``"Spanish"``,
    ``"español"`` on a Spanish page); the code itself when CLDR has no name for it; ``""``
    for blank."""
    if not code:
        return ""
    known = _localized()
    if code in known:
        return known[code]
    base, _, region = code.partition("-")
    if base in known:
        return f"{known[base]} ({region.upper()})" if region else known[base]
    return code


def language_choices(*, blank_label=None) -> list[tuple[str, str]]:
    """Choices for a language field: blank first (``blank_label``), then every language by
    name."""
    blank = blank_label if blank_label is not None else gettext_lazy("Unknown")
    return [("", blank), *((code, f"{name} ({code})") for code, name in _localized().items())]
