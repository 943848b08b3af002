"""Lexical retrieval for "checked before?": tokenisation that copes with tweets, a light
English stemmer, and an in-memory BM25 index that takes documents one at a time.

Pure Python, no database: ``claims.matching`` feeds it the desk's claims and the imported
fact-checks and keeps it fresh.

- **Tokens.** Unicode NFKC, lower case; URLs (``https://...``, ``pic.twitter.com/...``,
  ``www...``) dropped; ``@handles`` and ``#hashtags`` split into their words
  (``#AustralianFires`` -> ``australian fires``, ``@IlhanMN`` -> ``ilhan mn``; the joined
  form kept as well); emoji and punctuation are separators; numbers kept (``$1``, ``10,000``
  -> ``10000``, years); English stop words dropped; a light suffix stemmer
  (:func:`stem`) folds plurals and common endings.
- **Query clean-up.** A tweet's "— Name (@handle) Month D, YYYY" signature is cut to the
  name (:func:`clean_query`), as are "pic.twitter.com" links.
- **BM25** (Robertson/Spärck Jones; ``k1``, ``b``) over weighted fields: a document is a
  list of ``(text, weight)``; a term's frequency is the weighted sum over fields (BM25F-
  like). Each posting stores its saturated term weight, computed with the average length
  when it was added; the whole index is re-weighted when the collection grew by a fifth
  since (:meth:`BM25Index.add` does it), so additions are cheap and scores stay close to
  a full rebuild's. Removal tombstones the document.
- **Latency bounds** (``max_df``, ``pool``, ``max_terms``): a query word in more than
  ``max_df`` of the documents is looked up only for the ``pool`` best candidates of the
  rarer words instead of walking its (long) posting list.
- **Bigrams.** Adjacent stems are indexed as ``a_b`` terms with their own weight
  (``bigram_weight``): phrase evidence beyond single words.
"""

from __future__ import annotations

import heapq
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Hashable, Iterable, Sequence
from itertools import pairwise

__all__ = ["BM25Index", "clean_query", "stem", "tokens"]

STOPWORDS = frozenset(
    """
    a about above after again against all am an and any are aren't as at be because been
    before being below between both but by can can't cannot could couldn't did didn't do
    does doesn't doing don't down during each few for from further had hadn't has hasn't
    have haven't having he he'd he'll he's her here here's hers herself him himself his
    how how's i i'd i'll i'm i've if in into is isn't it it's its itself let's me more
    most mustn't my myself no nor not of off on once only or other ought our ours
    ourselves out over own same shan't she she'd she'll she's should shouldn't so some
    such than that that's the their theirs them themselves then there there's these they
    they'd they'll they're they've this those through to too under until up very was
    wasn't we we'd we'll we're we've were weren't what what's when when's where where's
    which while who who's whom why why's will with won't would wouldn't you you'd you'll
    you're you've your yours yourself yourselves just also now get got via rt amp s t u im
    dont
    """.split()  # noqa: SIM905 (a word list reads better as text)
)

_URL = re.compile(
    r"(?:https?://|www\.)\S+|\bpic\.twitter\.com/\S+|\b[\w.-]+\.(?:com|org|net|ly|co)/\S*", re.I
)
# A tweet's signature: "— Name (@handle) January 6, 2020" (an em/en dash or "--").
_SIGNATURE = re.compile(
    r"\s(?:\u2014|\u2013|--)\s*([^()\u2014\u2013]{0,80}?)\s*\(@\w+\)\s*[A-Za-z]+\.?\s+\d{1,2},\s+\d{4}\s*$"
)
_HANDLE_OR_TAG = re.compile(r"[@#](\w+)")
_CAMEL = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")
_NUMBER_SEPARATORS = re.compile(r"(?<=\d)[,.](?=\d{3}\b)")
_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)?")


def clean_query(text: str) -> str:
    """A tweet as a query: its "— Name (@handle) date" signature cut to the name."""
    return _SIGNATURE.sub(lambda m: " " + m.group(1), text)


def _split_tag(match: re.Match) -> str:
    word = match.group(1)
    parts = _CAMEL.findall(word)
    if len(parts) > 1:
        return " ".join(parts) + " " + word
    return word


def stem(word: str) -> str:
    """A light English suffix stemmer (plurals, -ing, -ed, -ly and a few derivational
    endings); enough to fold "vaccines"/"vaccinated"/"vaccine" and "claims"/"claimed"."""
    if len(word) <= 3 or not word.isalpha():
        return word
    if word.endswith("'s"):
        word = word[:-2]
    for suffix, replacement, min_stem in (
        ("ational", "ate", 3),
        ("ization", "ize", 3),
        ("fulness", "ful", 3),
        ("iveness", "ive", 3),
        ("ically", "ic", 3),
        ("ations", "ate", 3),
        ("ation", "ate", 3),
        ("ments", "", 4),
        ("ment", "", 4),
        ("ities", "ity", 3),
        ("ously", "ous", 3),
        ("ies", "y", 2),
        ("ied", "y", 2),
        ("ing", "", 3),
        ("edly", "", 3),
        ("ed", "", 3),
        ("ly", "", 4),
        ("sses", "ss", 2),
        ("es", "e", 3),
        ("s", "", 3),
    ):
        if word.endswith(suffix) and len(word) - len(suffix) >= min_stem:
            if suffix == "s" and word.endswith(("ss", "us", "is")):
                return word
            if suffix == "es" and word[-3] in "sxz":
                return word[:-2]
            word = word[: len(word) - len(suffix)] + replacement
            break
    if len(word) > 4 and word[-1] == word[-2] and word[-1] not in "lsz":
        word = word[:-1]  # "stopp(ing)" -> "stop"
    if word.endswith("e") and len(word) > 3:
        word = word[:-1]  # "vaccinate" ~ "vaccinat(ed)"
    return word


_stem_cache: dict[str, str] = {}


def tokens(text: str) -> list[str]:
    """The stemmed, stop-word-free tokens of ``text`` (see the module docstring)."""
    text = unicodedata.normalize("NFKC", text or "").replace("\u2019", "'").replace("\u2018", "'")
    text = _URL.sub(" ", text)
    text = _HANDLE_OR_TAG.sub(_split_tag, text)
    text = _NUMBER_SEPARATORS.sub("", text).lower()
    out = []
    cache = _stem_cache
    for word in _WORD.findall(text):
        if word in STOPWORDS:
            continue
        stemmed = cache.get(word)
        if stemmed is None:
            stemmed = stem(word)
            if len(cache) < 500_000:
                cache[word] = stemmed
        if stemmed and stemmed not in STOPWORDS:
            out.append(stemmed)
    return out


def _terms(words: Sequence[str], bigram_weight: float) -> Counter:
    counts: Counter = Counter(words)
    if bigram_weight:
        for first, second in pairwise(words):
            counts[f"{first}_{second}"] += bigram_weight
    return counts


class BM25Index:
    """BM25 over weighted fields, updated one document at a time.

    ``add(key, [(text, weight), ...])`` indexes (or replaces) a document; ``search(text, k)``
    returns ``[(key, score), ...]`` best first."""

    def __init__(
        self,
        *,
        k1: float = 1.2,
        b: float = 0.75,
        bigram_weight: float = 0.0,
        max_terms: int = 1000,
        max_df: float = 1.0,
        pool: int = 300,
    ):
        self.k1, self.b, self.bigram_weight = k1, b, bigram_weight
        self.max_terms, self.max_df, self.pool = max_terms, max_df, pool
        self._keys: list[Hashable | None] = []  # doc number -> key (None: removed)
        self._numbers: dict[Hashable, int] = {}
        self._lengths: list[float] = []
        self._terms: list[Counter | None] = []
        self._postings: dict[str, dict[int, float]] = {}
        self._total_length = 0.0
        self._live = 0
        self._avgdl_used = 1.0
        self._weighted_at = 0

    def __len__(self) -> int:
        return self._live

    def __contains__(self, key: Hashable) -> bool:
        return key in self._numbers

    def _weight(self, tf: float, length: float, avgdl: float) -> float:
        k1 = self.k1
        return tf * (k1 + 1) / (tf + k1 * (1 - self.b + self.b * length / avgdl))

    def document_terms(self, fields: Iterable[tuple[str, float]]) -> tuple[Counter, float]:
        terms: Counter = Counter()
        length = 0.0
        for text, weight in fields:
            words = tokens(text)
            length += weight * len(words)
            for term, count in _terms(words, self.bigram_weight).items():
                terms[term] += weight * count
        return terms, length

    def add(self, key: Hashable, fields: Iterable[tuple[str, float]]) -> None:
        terms, length = self.document_terms(fields)
        if key in self._numbers:
            self.remove(key)
        number = len(self._keys)
        self._keys.append(key)
        self._numbers[key] = number
        self._lengths.append(length)
        self._terms.append(terms)
        self._total_length += length
        self._live += 1
        avgdl = self._avgdl_used
        postings = self._postings
        for term, tf in terms.items():
            posting = postings.get(term)
            if posting is None:
                postings[term] = posting = {}
            posting[number] = self._weight(tf, length, avgdl)
        if self._live > 1.2 * max(self._weighted_at, 50) or self._live < 0.8 * self._weighted_at:
            self.reweight()

    def remove(self, key: Hashable) -> None:
        number = self._numbers.pop(key, None)
        if number is None:
            return
        terms = self._terms[number]
        for term in terms or ():
            self._postings[term].pop(number, None)
        self._total_length -= self._lengths[number]
        self._keys[number] = None
        self._terms[number] = None
        self._live -= 1

    def reweight(self) -> None:
        """Recompute every posting's weight with the current average length."""
        avgdl = self._total_length / self._live if self._live else 1.0
        avgdl = avgdl or 1.0
        self._avgdl_used = avgdl
        self._weighted_at = self._live
        postings: dict[str, dict[int, float]] = {}
        weight = self._weight
        for number, terms in enumerate(self._terms):
            if terms is None:
                continue
            length = self._lengths[number]
            for term, tf in terms.items():
                posting = postings.get(term)
                if posting is None:
                    postings[term] = posting = {}
                posting[number] = weight(tf, length, avgdl)
        self._postings = postings

    def idf(self, term: str) -> float:
        df = len(self._postings.get(term, ()))
        return math.log(1 + (self._live - df + 0.5) / (df + 0.5))

    def query_terms(self, text: str) -> Counter:
        return _terms(tokens(clean_query(text)), self.bigram_weight)

    def search(self, text: str, k: int = 10, *, terms: Counter | None = None):
        """The ``k`` best ``(key, score)`` pairs for ``text``."""
        if terms is None:
            terms = self.query_terms(text)
        # Latency bounds: terms in more than ``max_df`` of the documents have the longest
        # postings and move a score least; they are added only to the best ``pool``
        # candidates of the other terms (by look-up), and at most ``max_terms`` terms are
        # walked, the most informative first.
        live = self._live
        rare, common = [], []
        for term, qtf in terms.items():
            posting = self._postings.get(term)
            if not posting:
                continue
            entry = (self.idf(term) * qtf, posting)
            (common if len(posting) > self.max_df * live else rare).append(entry)
        rare.sort(key=lambda item: -item[0])
        common.sort(key=lambda item: -item[0])
        scores: dict[int, float] = {}
        get = scores.get
        for factor, posting in rare[: self.max_terms]:
            for number, weight in posting.items():
                scores[number] = get(number, 0.0) + factor * weight
        if common:
            if scores:
                pool = heapq.nlargest(max(self.pool, k), scores.items(), key=lambda item: item[1])
                scores = dict(pool)
                for number in scores:
                    for factor, posting in common:
                        weight = posting.get(number)
                        if weight:
                            scores[number] += factor * weight
            else:  # only common words: walk them all
                for factor, posting in common:
                    for number, weight in posting.items():
                        scores[number] = get(number, 0.0) + factor * weight
        best = heapq.nlargest(k, scores.items(), key=lambda item: item[1])
        return [(self._keys[number], score) for number, score in best]
