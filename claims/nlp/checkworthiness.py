"""Check-worthiness scoring: how likely a sentence is a factual claim worth checking.

``score_sentences(sentences)`` returns, for each sentence, a probability in ``[0, 1]`` that it
is a check-worthy factual claim. The model is a linear classifier (linear SVM with Platt
calibration) over three blocks of features, all extracted here in pure Python (no third-party
import at run time):

- ``word``: lower-cased word 1-2-grams (tokens are ``\\w+`` runs plus ``$``, ``%`` and ``?``);
- ``char``: cased character 2-5-grams inside space-padded words;
- ``hand``: a few hand-made cues (numbers, years, money, percentages, capitalised names, first
  person, modal verbs, opinion verbs, comparatives, negation, question marks, length).

The two text blocks are binary TF-IDF (smoothed idf), each L2-normalised, as the training code in
:mod:`claims.nlp.training` builds them with scikit-learn from the very same extraction functions
(:func:`extract_features`), so training and serving cannot drift apart. The decision value is
turned into a probability by Platt scaling fitted on out-of-fold scores.

The trained model ships as ``claims/nlp/data/checkworthiness.json.gz``; it is read on first use
and cached. It was trained on the ClaimBuster dataset (Arslan, Hassan, Li, Tremayne, 2020,
ICWSM; Zenodo doi 10.5281/zenodo.3609356), CC BY 4.0; see ``claims/nlp/data/ATTRIBUTION.md``.

``DEFAULT_THRESHOLD`` (the decision threshold recorded in the model file) and ``model_info()``
(held-out metrics, training metadata and attribution) are also available; reading either loads
the model.
"""

from __future__ import annotations

import copy
import gzip
import json
import math
import operator
import re
import threading
from collections import Counter
from collections.abc import Iterable, Sequence
from itertools import chain
from pathlib import Path
from typing import Any

__all__ = [
    "ATTRIBUTION",
    "MODEL_FORMAT",
    "MODEL_PATH",
    "MODEL_PATHS",
    "TRAINED_LANGUAGES",
    "CheckworthinessModel",
    "default_model",
    "extract_features",
    "hand_features",
    "has_model",
    "language_model_path",
    "load_model",
    "model_for",
    "model_info",
    "model_language",
    "score_sentences",
]

MODEL_PATH = Path(__file__).resolve().parent / "data" / "checkworthiness.json.gz"
MODEL_FORMAT = "claims.nlp.checkworthiness/1"
ATTRIBUTION = (
    "ClaimBuster dataset (Arslan, Hassan, Li, Tremayne, 2020, ICWSM; "
    "Zenodo doi 10.5281/zenodo.3609356), CC BY 4.0"
)

TEXT_BLOCKS = ("word", "char")

# --------------------------------------------------------------------------------------------
# Feature extraction (shared with claims.nlp.training)
# --------------------------------------------------------------------------------------------

_WORD_RE = re.compile(r"\w+|[$%?]")
_TOKEN_RE = re.compile(r"[A-Za-z]+(?:'[a-z]+)?|\d+(?:[.,]\d+)*|[^\sA-Za-z\d]")
_YEAR_RE = re.compile(r"(?:1[6-9]|20)\d\d")


def word_tokens(text: str) -> list[str]:
    """Lower-cased word tokens: runs of word characters, plus ``$``, ``%`` and ``?``."""
    return _WORD_RE.findall(text.lower())


def ngrams(tokens: Sequence[str], low: int, high: int) -> list[str]:
    """All ``low``..``high``-grams of ``tokens``, joined by single spaces."""
    out = list(tokens) if low <= 1 else []
    for n in range(max(low, 2), high + 1):
        out += map(" ".join, zip(*(tokens[i:] for i in range(n)), strict=False))
    return out


def char_ngrams(text: str, low: int, high: int) -> list[str]:
    """Cased character ``low``..``high``-grams inside space-padded whitespace-separated words.

    A padded word shorter than ``n`` yields itself once for that ``n``.
    """
    out: list[str] = []
    extend = out.extend
    for word in text.split():
        padded = f" {word} "
        size = len(padded)
        for n in range(low, high + 1):
            if size <= n:
                out.append(padded)
                break
            extend([padded[i : i + n] for i in range(size - n + 1)])
    return out


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_NUMBER_WORDS = _words(
    "one two three four five six seven eight nine ten eleven twelve fifteen twenty "
    "thirty forty fifty sixty seventy eighty ninety hundred hundreds thousand "
    "thousands million millions billion billions trillion trillions half percent "
    "percentage dozen"
)
_MONEY_WORDS = _words(
    "$ dollar dollars billion billions million millions trillion trillions cents "
    "budget deficit tax taxes"
)
_FIRST_PERSON = _words("i i'm i've i'd i'll me my mine myself")
_WE_WORDS = _words("we we're we've we'll we'd us our ours")
_YOU_WORDS = _words("you you're you've your yours")
_MODAL_WORDS = _words(
    "will would should must ought need needs gonna going shall could can might may"
)
_OPINION_WORDS = _words("think believe feel hope want wish opinion agree disagree")
_PAST_WORDS = _words(
    "was were had did said voted passed increased decreased cut raised created lost"
)
_COMPARE_WORDS = _words(
    "more less fewer most least than highest lowest largest smallest biggest first last only record"
)
_NEGATION_WORDS = _words(
    "not no never nothing n't don't didn't doesn't won't can't isn't aren't wasn't"
)

HAND_FEATURE_NAMES = (
    "log_tokens",
    "log_chars",
    "has_digit",
    "log_digit_tokens",
    "has_year",
    "has_number_word",
    "log_number_words",
    "has_percent",
    "has_money_word",
    "log_inner_capitals",
    "inner_capital_ratio",
    "first_person_ratio",
    "we_ratio",
    "you_ratio",
    "modal_ratio",
    "has_opinion_word",
    "past_word_ratio",
    "ed_suffix_ratio",
    "comparative_ratio",
    "negation_ratio",
    "ends_with_question",
    "has_question_mark",
    "comma_ratio",
    "starts_with_well",
    "starts_with_i_think",
    "has_quote_or_said",
)


_CACHE_LIMIT = 200_000
_category_cache: dict[str, tuple[str, ...]] = {}
_LEXICONS = (
    ("number_word", _NUMBER_WORDS),
    ("money", _MONEY_WORDS),
    ("first_person", _FIRST_PERSON),
    ("we", _WE_WORDS),
    ("you", _YOU_WORDS),
    ("modal", _MODAL_WORDS),
    ("opinion", _OPINION_WORDS),
    ("past", _PAST_WORDS),
    ("compare", _COMPARE_WORDS),
    ("negation", _NEGATION_WORDS),
)


def _categories(token: str) -> tuple[str, ...]:
    """Hand-feature categories of one (cased) token; cached."""
    cached = _category_cache.get(token)
    if cached is not None:
        return cached
    low = token.lower()
    found = [name for name, words in _LEXICONS if low in words]
    if token[0].isdigit():
        found.append("digit")
        if _YEAR_RE.fullmatch(token):
            found.append("year")
    if token[0].isupper() and low not in _FIRST_PERSON:
        found.append("capital")
    if low.endswith("ed"):
        found.append("ed")
    if low == "percent":
        found.append("percent")
    if low in ("said", "says"):
        found.append("said")
    if len(_category_cache) > _CACHE_LIMIT:
        _category_cache.clear()
    result = _category_cache[token] = tuple(found)
    return result


def hand_features(text: str, tokens: Sequence[str] | None = None) -> list[float]:
    """Cheap hand-made cues, in the order of ``HAND_FEATURE_NAMES``.

    ``tokens`` are the sentence's tokens from ``_TOKEN_RE``; computed if omitted.
    """
    if tokens is None:
        tokens = _TOKEN_RE.findall(text)
    count = len(tokens)
    denom = count or 1
    cats = Counter(chain.from_iterable(map(_categories, tokens)))
    capitals = cats["capital"] - (1 if count and "capital" in _categories(tokens[0]) else 0)
    digits = cats["digit"]
    number_words = cats["number_word"]
    first = tokens[0].lower() if count else ""
    second = tokens[1].lower() if count > 1 else ""
    return [
        math.log1p(count),
        math.log1p(len(text)),
        float(digits > 0),
        math.log1p(digits),
        float(cats["year"] > 0),
        float(number_words > 0),
        math.log1p(number_words),
        float("%" in text or cats["percent"] > 0),
        float(cats["money"] > 0),
        math.log1p(capitals),
        capitals / denom,
        cats["first_person"] / denom,
        cats["we"] / denom,
        cats["you"] / denom,
        cats["modal"] / denom,
        float(cats["opinion"] > 0),
        cats["past"] / denom,
        cats["ed"] / denom,
        cats["compare"] / denom,
        cats["negation"] / denom,
        float(text.strip().endswith("?")),
        float("?" in text),
        text.count(",") / denom,
        float(first == "well"),
        float(first == "i" and second == "think"),
        float('"' in text or cats["said"] > 0),
    ]


def extract_features(text: str, config: dict[str, Any]) -> tuple[dict[str, list[str]], list[float]]:
    """All features of one sentence: the terms of each text block, and the hand cues.

    ``config`` is the ``features`` section of a model file (n-gram ranges). This is the
    reference definition used for training; :class:`CheckworthinessModel` computes the same
    values faster.
    """
    text = text or ""
    word_range = config["word"]["ngram_range"]
    char_range = config["char"]["ngram_range"]
    blocks = {
        "word": ngrams(word_tokens(text), word_range[0], word_range[1]),
        "char": char_ngrams(text, char_range[0], char_range[1]),
    }
    return blocks, hand_features(text)


# --------------------------------------------------------------------------------------------
# Model
# --------------------------------------------------------------------------------------------


def _block_value(ids: set[int], squares: list[float], products: list[float]) -> float:
    """L2-normalised binary TF-IDF dot product of one block, from its distinct vocabulary ids.

    ``squares[i]`` is ``idf_i ** 2`` and ``products[i]`` is ``idf_i * weight_i``.
    """
    if not ids:
        return 0.0
    return sum(map(products.__getitem__, ids)) / math.sqrt(sum(map(squares.__getitem__, ids)))


class CheckworthinessModel:
    """A loaded model file; ``score`` returns calibrated probabilities.

    Scoring takes a fast path equivalent to :func:`extract_features` + TF-IDF (see
    :meth:`reference_decision`): terms are mapped straight to vocabulary ids, unknown terms are
    dropped, and the set of character n-gram ids of each distinct word is cached (bounded).
    """

    def __init__(self, payload: dict[str, Any]):
        if payload.get("format") != MODEL_FORMAT:
            raise ValueError(f"unsupported check-worthiness model format: {payload.get('format')}")
        self.features: dict[str, Any] = payload["features"]
        self._word_range = tuple(self.features["word"]["ngram_range"])
        self._char_range = tuple(self.features["char"]["ngram_range"])
        # Per block: term -> id (ids start at 1 so that 0/None mean "unknown"),
        # squares[id] = idf ** 2 and products[id] = idf * weight.
        self._index: dict[str, dict[str, int]] = {}
        self._squares: dict[str, list[float]] = {}
        self._products: dict[str, list[float]] = {}
        for name in TEXT_BLOCKS:
            block = payload["blocks"][name]
            idf = block["idf"]
            self._index[name] = {term: i for i, term in enumerate(block["terms"], start=1)}
            self._squares[name] = [0.0] + [v * v for v in idf]
            self._products[name] = [0.0] + [
                v * w for v, w in zip(idf, block["weight"], strict=True)
            ]
        hand = payload["hand"]
        if list(hand["names"]) != list(HAND_FEATURE_NAMES):
            raise ValueError("the model file's hand features do not match this code")
        # Fold standardisation and block scale into one affine map per hand feature.
        self._hand_coef = [
            c * hand["scale_factor"] / s for c, s in zip(hand["weight"], hand["std"], strict=True)
        ]
        self._bias = payload["bias"] - sum(
            c * m for c, m in zip(self._hand_coef, hand["mean"], strict=True)
        )
        self._cal_a = payload["calibration"]["a"]
        self._cal_b = payload["calibration"]["b"]
        self.threshold: float = payload["threshold"]
        self.info: dict[str, Any] = {
            key: payload[key] for key in ("metrics", "training", "attribution") if key in payload
        }
        self.info["threshold"] = self.threshold
        self.info["format"] = MODEL_FORMAT
        self._char_cache: dict[str, frozenset[int]] = {}

    def clear_caches(self) -> None:
        """Forget the per-word caches (the benchmark uses this to measure cold scoring)."""
        self._char_cache = {}
        _category_cache.clear()

    def _word_char_ids(self, word: str) -> frozenset[int]:
        cache = self._char_cache
        if len(cache) > _CACHE_LIMIT:
            cache = self._char_cache = {}
        index_get = self._index["char"].get
        ids = cache[word] = frozenset(
            filter(None, map(index_get, char_ngrams(word, *self._char_range)))
        )
        return ids

    def decision(self, sentence: str) -> float:
        """Raw linear decision value (before calibration) of one sentence."""
        text = sentence or ""
        word_ids = set(
            filter(None, map(self._index["word"].get, ngrams(word_tokens(text), *self._word_range)))
        )
        cache_get = self._char_cache.get
        char_ids = set().union(*[cache_get(w) or self._word_char_ids(w) for w in text.split()])
        value = (
            self._bias
            + _block_value(word_ids, self._squares["word"], self._products["word"])
            + _block_value(char_ids, self._squares["char"], self._products["char"])
        )
        return value + sum(map(operator.mul, self._hand_coef, hand_features(text)))

    def reference_decision(self, sentence: str) -> float:
        """Same as :meth:`decision`, computed the slow, literal way from ``extract_features``."""
        blocks, hand = extract_features(sentence, self.features)
        value = self._bias
        for name in TEXT_BLOCKS:
            index = self._index[name]
            sq = dot = 0.0
            for term in set(blocks[name]):  # binary term frequency
                if term in index:
                    sq += self._squares[name][index[term]]
                    dot += self._products[name][index[term]]
            value += dot / math.sqrt(sq) if sq else 0.0
        return value + sum(c * x for c, x in zip(self._hand_coef, hand, strict=True))

    def probability(self, decision: float) -> float:
        z = self._cal_a * decision + self._cal_b
        if z >= 0:
            return 1.0 / (1.0 + math.exp(-z))
        e = math.exp(z)
        return e / (1.0 + e)

    def score(self, sentences: Iterable[str]) -> list[float]:
        """Probability in ``[0, 1]`` that each sentence is a check-worthy factual claim."""
        decision = self.decision
        probability = self.probability
        return [probability(decision(s)) for s in sentences]


def load_model(path: str | Path | None = None) -> CheckworthinessModel:
    """Read a model file (gzip-compressed JSON); the shipped one if ``path`` is omitted."""
    path = Path(path) if path is not None else MODEL_PATH
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return CheckworthinessModel(json.load(handle))


_model: CheckworthinessModel | None = None
_lock = threading.Lock()


def default_model() -> CheckworthinessModel:
    """The shipped model, loaded on first use and cached for the life of the process."""
    global _model
    if _model is None:
        with _lock:
            if _model is None:
                _model = load_model()
    return _model


# The check-worthiness model of each language (primary subtag of the article's BCP-47 tag).
# English: ``MODEL_PATH`` (ClaimBuster). The others were trained on the CLEF CheckThat! lab's
# check-worthiness tweets (``claims.nlp.training.train_language``; data, provenance and
# held-out figures in ``benchmarks/data/checkthat/README.md``) and ship only when their
# held-out AP clears ``training.adequate`` (``benchmarks/checkworthiness_languages.py``).
# An article in any other language is not scored: its sentences get no score and the
# reviewer triages them by hand (``claims.services.ingest``).
TRAINED_LANGUAGES: tuple[str, ...] = ("ar", "es")


def language_model_path(language: str) -> Path:
    """Where the model trained for ``language`` (not English) is kept, shipped or not."""
    return MODEL_PATH.with_name(f"checkworthiness-{language}.json.gz")


MODEL_PATHS: dict[str, Path] = {
    "en": MODEL_PATH,
    **{code: language_model_path(code) for code in TRAINED_LANGUAGES},
}
_models: dict[str, CheckworthinessModel] = {}


def model_language(language: str) -> str | None:
    """The key in :data:`MODEL_PATHS` serving ``language`` (``"en-gb"`` -> ``"en"``), or
    ``None`` when no model covers it (blank, unknown or another language)."""
    base = (language or "").strip().replace("_", "-").split("-", 1)[0].lower()
    return base if base in MODEL_PATHS else None


def has_model(language: str) -> bool:
    """Whether sentences in ``language`` can be scored."""
    return model_language(language) is not None


def model_for(language: str) -> CheckworthinessModel:
    """The model scoring ``language``, loaded on first use and cached; ``LookupError`` when
    there is none (:func:`has_model`)."""
    key = model_language(language)
    if key is None:
        raise LookupError(f"no check-worthiness model for language {language!r}")
    if key == "en" and MODEL_PATHS["en"] == MODEL_PATH:
        return default_model()
    if key not in _models:
        with _lock:
            if key not in _models:
                _models[key] = load_model(MODEL_PATHS[key])
    return _models[key]


def score_sentences(sentences: list[str], *, language: str = "en") -> list[float]:
    """Probability (0..1) that each sentence is a check-worthy factual claim, in input order,
    by the model of ``language`` (``LookupError`` if it has none: see :func:`has_model`)."""
    model = model_for(language)
    if not sentences:
        return []
    return model.score(sentences)


def model_info(language: str = "en") -> dict[str, Any]:
    """Held-out metrics, threshold, training metadata and data attribution of the model
    scoring ``language`` (the English one by default)."""
    return copy.deepcopy(model_for(language).info)


def __getattr__(name: str) -> Any:
    # DEFAULT_THRESHOLD is read from the model file, so it is resolved lazily (PEP 562).
    if name == "DEFAULT_THRESHOLD":
        return default_model().threshold
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
