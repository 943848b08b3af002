# ruff: noqa: RUF002, RUF003  (non-Latin scripts and punctuation are the point here)
"""Exact-offset sentence splitter tuned for news articles, in English and eleven more languages.

``split_sentences(text, language="en")`` returns ``[start, end)`` character offsets into ``text``.
The spans are in order, never overlap, never start or end with whitespace, and together cover every
non-whitespace character of ``text`` exactly once, so callers can map each sentence back to the
original article (for highlighting, annotations, etc.) without any fuzzy re-alignment.

The algorithm runs in three passes, each linear in the length of the input:

1. **Blocks and segments.**  The text is cut into lines.  Blank lines end a block (paragraph),
   a line starting with a list marker (``-``, ``*``, ``•``, ``1.``, ``a)``, ...) starts a new
   segment, and so does the line after a heading (a short line without final punctuation that is
   followed by a line starting with a capital letter or a digit).  Sentences never cross segment
   borders.
2. **Inline lists.**  Inside a segment, bullets such as ``•`` preceded by whitespace start a new
   piece, and a piece that starts with an enumeration label (``1.``, ``2.)``, ``b)``) is cut
   before the next label in sequence (``1. The first item 2. The second item``).
3. **Sentence boundaries.**  A single compiled regex finds every run of terminal punctuation
   (``.``, ``!``, ``?``, ``…``, spaced ellipses ``. . .``) plus closing quotes/brackets that is
   followed by whitespace.  Each candidate is accepted or rejected by looking at the word before
   it (abbreviations, honorifics, initials, acronyms, times, numbers, URLs) and at the word after
   it (lower case, digit, capitalised, a common sentence-opening word).

Only bounded look-behind (``_LOOKBEHIND`` characters) is used for each candidate, so the work per
character stays constant and a 1 MB article is processed in roughly ten times the time of a
100 KB one.

**Languages.**  The word lists come from one small table per language in ``languages.py``
(English, Spanish, French, German, Italian, Portuguese, Dutch, Russian, Arabic, Chinese, Japanese,
Hindi; any other tag uses the generic table).  Besides the English rules, every other language
also knows: terminal marks that need no following whitespace (``。！？｡`` and the Devanagari
danda ``।`` / ``॥``; ``!`` and ``?`` between two CJK characters), the Arabic question mark
``؟`` and Urdu full stop ``۔``, low and reversed quotes (``„…“``, ``»…«``, ``« … »`` with inner
spaces, ``「…」``), letters without case (a caseless letter counts as a capital) and, for German,
ordinals (``am 3. Oktober``).  English keeps exactly its original character sets and regexes.
"""

import importlib.util
import re
import sys
from collections.abc import Iterator
from pathlib import Path

if __package__:
    from claims.nlp.languages import GENERIC, LANGUAGES, Language
else:  # loaded by path (benchmarks): load the sibling table module the same way, no package
    _spec = importlib.util.spec_from_file_location(
        "claims_nlp_languages_by_path", Path(__file__).with_name("languages.py")
    )
    _languages = importlib.util.module_from_spec(_spec)
    sys.modules[_spec.name] = _languages
    _spec.loader.exec_module(_languages)
    GENERIC, LANGUAGES, Language = _languages.GENERIC, _languages.LANGUAGES, _languages.Language

__all__ = ["split_sentences"]

# --------------------------------------------------------------------------------------------
# Character classes
# --------------------------------------------------------------------------------------------

# Closing quotes and brackets that may follow sentence-final punctuation: `He said "no."`.
# (straight quotes, right double/single quotes, right guillemets, brackets)
_CLOSERS = "\"'\u201d\u2019\u00bb\u203a)]}"
# Opening quotes and brackets that may precede the first word of a sentence.
# (straight quotes, left double/single quotes, left guillemets, brackets, inverted ? and !)
_OPENERS = "\"'\u201c\u2018\u00ab\u2039([{\u00bf\u00a1"
# Other languages add: German closing “ ‘ and reversed guillemets « ‹, CJK corner brackets,
# full-width brackets and quotes; openers „ ‚ » › 「 『 （ 《 〈 【 〔 ＂.  A character may be both
# an opener and a closer: the position (after a terminal mark / before a word) decides.
_CLOSERS_INTL = (
    _CLOSERS + "\u201c\u2018\u00ab\u2039\u300d\u300f\uff09\u300b\u3009\u3011\u3015\uff02"
)
_OPENERS_INTL = (
    _OPENERS + "\u201e\u201a\u00bb\u203a\u300c\u300e\uff08\u300a\u3008\u3010\u3014\uff02"
)
# Dashes that introduce a dateline body or an aside: `SPRINGFIELD, Ill. — The governor ...`.
_DASHES = "-\u2010\u2011\u2012\u2013\u2014\u2015"  # hyphen-minus, hyphens, en/em dashes
# Bullet characters that start a list item, at the start of a line or inline after whitespace:
# bullet, hyphen bullet, small squares/circles, triangular bullet, black circle, arrows.
_BULLETS = "\u2022\u2043\u25aa\u25e6\u2023\u25cf\u25a0\u25a1\u27a2\u25ba"
# Line-start markers: the inline bullets plus ASCII bullets and dashes.
_LINE_BULLETS = _BULLETS + "*+" + _DASHES

# Terminal marks that are followed by whitespace (other languages add the Arabic question mark,
# the Urdu full stop and the double !? marks), and those that end a sentence in any case.
_TERMINALS = ".!?…"
_TERMINALS_INTL = ".!?…\u061f\u06d4\u203c\u2047\u2048\u2049"
_EXCLAIMS = frozenset("!?")
_EXCLAIMS_INTL = frozenset("!?\u061f\u06d4\u203c\u2047\u2048\u2049")
# CJK full stop / exclamation / question marks, half-width stop, Devanagari danda / double danda.
_STRONG = "\u3002\uff01\uff1f\uff61\u0964\u0965"
# Han, kana (and the CJK punctuation/letters block around them) for "!"/"?" written without space.
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# Marks that end a heading-like line (so it is not a heading) in other languages.
_LINE_FINAL_INTL = (
    ".!?…,;:\u061f\u06d4\u060c\u061b\u3002\uff01\uff1f\uff61\u0964\u0965\u3001\uff0c\uff1a\uff1b"
)

# How many characters before a candidate boundary are inspected.  Abbreviations, initials and
# the "short fragment" rule only need a few words, and bounding the look-behind keeps the whole
# splitter linear even for pathological input (e.g. one 1 MB token).
_LOOKBEHIND = 64

# --------------------------------------------------------------------------------------------
# Compiled regular expressions (none of them can backtrack more than a constant amount)
# --------------------------------------------------------------------------------------------

# Line breaks recognised by str.splitlines().
_LINE_BREAK_RE = re.compile(r"\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]")

# A list-item marker at the start of a line or piece: an optional bullet, then an optional
# enumeration label ("1.", "2.)", "3)", "(4)", "a.", "b)"), followed by whitespace.  The whole
# match may be empty; callers check that something was consumed.
_MARKER_RE = re.compile(
    rf"(?:[{re.escape(_LINE_BULLETS)}][ \t]*)?"
    r"(?:(?P<open>\()?(?P<label>\d{1,3}|[A-Za-z])(?P<style>\.\)|\)|\.))?"
    r"(?=\s)"
)

# An inline bullet preceded by whitespace starts a new list item: "• 9. First • 10. Second".
_INLINE_BULLET_RE = re.compile(rf"(?<=\s)[{re.escape(_BULLETS)}]")

# A candidate sentence end: terminal punctuation, optionally continued by further
# space-separated punctuation (". . ." ellipses), then closing quotes/brackets, then whitespace
# or the end of the piece.  Text like "example.com" or "what I mean...see" never matches.  A
# match may only start where a run of punctuation starts: a run that fails at its start fails at
# every later start too, and retrying them made "!!!...!x" quadratic.
_CANDIDATE_RE = re.compile(
    r"(?<![.!?…])(?P<term>[.!?…]+(?:[ \u00a0][.!?…]+)*)"
    rf"(?P<close>[{re.escape(_CLOSERS)}]*)(?=\s|\Z)"
)

# Other languages: the same, plus a closing guillemet or '' after a (narrow) space
# ("« Oui. » Il", ",,Ja. '' Hij"), plus strong marks that need no whitespace ("。", "।",
# "！", "．" not before a digit, "？」。" as one mark, "!"/"?" between CJK characters).
# Possessive quantifiers keep long runs of punctuation linear.
_CANDIDATE_INTL_RE = re.compile(
    rf"(?<![{re.escape(_TERMINALS_INTL)}])"
    rf"(?P<term>[{re.escape(_TERMINALS_INTL)}]++(?:[ \u00a0][.!?…]++)*+)"
    rf"(?P<close>(?:[ \u00a0\u202f]?(?:[\u00bb\u203a]|''))?[{re.escape(_CLOSERS_INTL)}]*+)"
    r"(?=\s|\Z)"
    rf"|(?P<strong>(?:[{_STRONG}]|\uff0e(?!\d))(?:[!?{_STRONG}{re.escape(_CLOSERS_INTL)}]|\uff0e(?!\d))*+)"
    rf"|(?<=[{_CJK}])(?P<cjk>[!?]++[{re.escape(_CLOSERS_INTL)}]*+)(?=[{_CJK}])"
)

# The first word of the next sentence (letters, with an optional apostrophe part: "It's").
_WORD_RE = re.compile(r"[^\W\d_]{1,40}(?:['\u2019][^\W\d_]{1,10})?")

# Acronyms and dotted abbreviations written with internal periods: "U.S", "a.m", "Ph.D", "e.g".
# (The final period is not part of the token we test.)
_DOTTED_RE = re.compile(r"(?:[^\W\d_]{1,2}\.)+[^\W\d_]{1,2}")

# Characters that split a token into parts; only the last part is tested for abbreviations:
# "(D-Mass" -> "Mass", "non-U.S" -> "U.S".
_TOKEN_PARTS_RE = re.compile(rf"[/(\[{re.escape(_DASHES)}]")
# Other languages also split at Han and kana characters: "他见了Dr" -> "Dr".
_TOKEN_PARTS_INTL_RE = re.compile(rf"[/(\[{re.escape(_DASHES)}{_CJK}]")

# Roman numerals up to 39 (German ordinals: "Ludwig XIV.", "der II. Weltkrieg").
_ROMAN_RE = re.compile(r"X{0,3}(?:IX|IV|V?I{0,3})")

# A heading has at most this many words.
_MAX_HEADING_WORDS = 20


# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------


def split_sentences(text: str, *, language: str = "en") -> list[tuple[int, int]]:
    """Split ``text`` into sentences and return their ``[start, end)`` offsets.

    ``language`` is a BCP-47 tag or primary language code ("en", "es", "pt-BR", "zh-Hans");
    languages without their own rules fall back to the generic rules.

    Offsets index ``text`` directly (``text[start:end]`` is the sentence); each span is
    non-empty and carries no leading or trailing whitespace, spans are sorted and disjoint, and
    every non-whitespace character belongs to exactly one span.  Whitespace-only input gives
    ``[]``.
    """
    return _splitter(language).split(text)


def _splitter(language: str) -> "_Splitter":
    """The (cached) splitter for a BCP-47 tag: only the primary subtag counts."""
    splitter = _SPLITTERS.get(language)
    if splitter is None:
        primary = language.replace("_", "-").split("-")[0].strip().lower()
        splitter = _SPLITTERS.get(primary) or _SPLITTERS["und"]
        if len(_SPLITTERS) < 1000:  # remember the tag, but never grow without bound
            _SPLITTERS[language] = splitter
    return splitter


def _words(block: str) -> frozenset[str]:
    """A set of the whitespace-separated words in ``block``."""
    return frozenset(block.split())


class _Splitter:
    """The three passes with one language's word lists and character classes."""

    def __init__(self, rules: Language, *, english: bool) -> None:
        self.prepositive = _words(rules.prepositive)
        self.never_final = _words(rules.never_final)
        self.ambiguous = _words(rules.ambiguous)
        self.capitalised_ambiguous = _words(rules.capitalised_ambiguous)
        self.times = _words(rules.times)
        self.time_followers = _words(rules.time_followers)
        self.starters = _words(rules.starters)
        self.function_words = _words(rules.function_words)
        self.ordinals = rules.ordinals
        self.english = english
        self.lower_starts = tuple(word + " " for word in rules.lower_starts.split())
        self.quote_continuations = tuple(rules.quote_continuations.split())
        if english:
            self.closers, self.openers = _CLOSERS, _OPENERS
            self.candidate_re = _CANDIDATE_RE
            self.token_parts_re = _TOKEN_PARTS_RE
            self.exclaims = _EXCLAIMS
            self.line_final = ".!?…,;:"
        else:
            self.closers = _CLOSERS_INTL
            self.openers = _OPENERS_INTL + rules.openers
            self.candidate_re = _CANDIDATE_INTL_RE
            self.token_parts_re = _TOKEN_PARTS_INTL_RE
            self.exclaims = _EXCLAIMS_INTL
            self.line_final = _LINE_FINAL_INTL
        self.quotes = self.closers + self.openers

    def split(self, text: str) -> list[tuple[int, int]]:
        spans: list[tuple[int, int]] = []
        for seg_start, seg_end in self._segments(text):
            for piece_start, piece_end, body_start in self._pieces(text, seg_start, seg_end):
                start = piece_start
                for boundary in self._boundaries(text, body_start, piece_end, piece_start):
                    _append_stripped(text, start, boundary, spans)
                    start = boundary
                _append_stripped(text, start, piece_end, spans)
        return spans

    # ----------------------------------------------------------------------------------------
    # Pass 1: lines -> segments (blank lines, list items, headings)
    # ----------------------------------------------------------------------------------------

    def _segments(self, text: str) -> Iterator[tuple[int, int]]:
        """Yield ``(start, end)`` ranges that no sentence may cross.

        ``start`` is the first non-whitespace character of the segment's first line and ``end``
        the end of its last line, so all non-whitespace characters of ``text`` fall into some
        segment.
        """
        seg_start = -1  # -1: no open segment
        seg_end = 0
        heading_candidate = False  # the previous line could be a heading
        line_start = 0
        text_len = len(text)
        while line_start <= text_len:
            brk = _LINE_BREAK_RE.search(text, line_start)
            line_end = brk.start() if brk else text_len
            next_start = brk.end() if brk else text_len + 1

            line = text[line_start:line_end]
            body = line.strip()
            if not body:
                # Blank line: paragraph break.
                if seg_start >= 0:
                    yield seg_start, seg_end
                    seg_start = -1
                heading_candidate = False
                line_start = next_start
                continue

            first = line_start + (len(line) - len(line.lstrip()))
            is_item = _marker_end(text, first, line_end) > first
            if seg_start >= 0 and (is_item or (heading_candidate and self._opens_paragraph(body))):
                yield seg_start, seg_end
                seg_start = -1
            starts_segment = seg_start < 0
            if starts_segment:
                seg_start = first
            seg_end = line_end
            # Only a line that starts a segment can be a heading: in hard-wrapped prose the 2nd,
            # 3rd, ... lines of a paragraph continue the sentence of the first one.
            heading_candidate = starts_segment and self._looks_like_heading(body)
            line_start = next_start

        if seg_start >= 0:
            yield seg_start, seg_end

    def _looks_like_heading(self, line: str) -> bool:
        """Whether a stripped line could be a heading, byline or title (no final punctuation)."""
        last = line.rstrip(self.closers)[-1:] or line[-1]
        if last in self.line_final or last in _DASHES or last in "/&+(":
            return False
        words = line.split()
        if len(words) > _MAX_HEADING_WORDS:
            return False
        return words[-1].lower().strip(self.quotes) not in self.function_words

    def _opens_paragraph(self, line: str) -> bool:
        """Whether a stripped line starts like a new paragraph (capital letter, digit or quote;
        outside English also a letter without case)."""
        head = line.lstrip(self.openers)[:1]
        if not head:
            return False
        if head.isupper() or head.isdigit():
            return True
        return not self.english and head.isalpha() and not head.islower()

    # ----------------------------------------------------------------------------------------
    # Pass 2: segments -> pieces (inline bullets and enumerations)
    # ----------------------------------------------------------------------------------------

    def _pieces(self, text: str, seg_start: int, seg_end: int) -> Iterator[tuple[int, int, int]]:
        """Yield ``(start, end, body_start)`` for the list items / plain text of a segment.

        ``body_start`` is where sentence detection begins, i.e. just after a list marker, so the
        period of "1." or "a." is never taken for a sentence end.
        """
        bullet_starts = [
            m.start() for m in _INLINE_BULLET_RE.finditer(text, seg_start + 1, seg_end)
        ]
        starts = [seg_start, *bullet_starts]
        ends = [*bullet_starts, seg_end]
        for start, end in zip(starts, ends, strict=True):
            yield from self._enumerated_pieces(text, start, end)

    def _enumerated_pieces(self, text: str, start: int, end: int) -> Iterator[tuple[int, int, int]]:
        """Cut a piece beginning with "1." / "a)" / ... before the next label in sequence."""
        while True:
            match = _MARKER_RE.match(text, start, end)
            if not match or match.end() == start:
                yield start, end, start
                return
            body = match.end()
            cut = self._next_label(text, match, body, end)
            if cut < 0:
                yield start, end, body
                return
            yield start, cut, body
            start = cut

    def _next_label(self, text: str, match: re.Match[str], pos: int, end: int) -> int:
        """Position of the label following ``match``'s label in ``text[pos:end]``, or -1."""
        label, style = match.group("label"), match.group("style")
        if label is None:
            return -1
        if label.isdigit():
            following = str(int(label) + 1)
        elif label in "zZ":
            return -1
        else:
            following = chr(ord(label) + 1)
        needle = ("(" if match.group("open") else "") + following + style
        while True:
            found = text.find(needle, pos, end)
            if found < 0:
                return -1
            after = found + len(needle)
            if (
                text[found - 1].isspace()
                and after < end
                and text[after].isspace()
                and self._plausible_inline_label(text, found, style)
            ):
                return found
            pos = found + 1

    def _plausible_inline_label(self, text: str, found: int, style: str) -> bool:
        """Reject "... 52 to 2. The bill" where a bare "N." is a number ending a sentence."""
        if style != ".":
            return True
        window = text[max(0, found - _LOOKBEHIND) : found].split()
        if not window:
            return True
        word = window[-1].strip(self.quotes).lower()
        return word not in self.function_words and not word[:1].isdigit()

    # ----------------------------------------------------------------------------------------
    # Pass 3: sentence boundaries inside a piece
    # ----------------------------------------------------------------------------------------

    def _boundaries(self, text: str, pos: int, end: int, piece_start: int) -> Iterator[int]:
        """Yield sentence-boundary offsets (end of the sentence) inside ``text[pos:end]``."""
        sentence_start = piece_start
        for match in self.candidate_re.finditer(text, pos, end):
            boundary = self._decide(text, match, end, sentence_start)
            if boundary >= 0:
                yield boundary
                sentence_start = boundary

    def _decide(self, text: str, match: re.Match[str], end: int, sentence_start: int) -> int:
        """Return the boundary offset for a candidate match, or -1 if it is not a sentence end."""
        term = match.group("term")
        after = match.end()
        if term is None:
            # "。", "।", "！" or "!" between CJK characters: always an end, except at the end
            # of the piece (which closes the sentence anyway) and before a quotative particle
            # after a closing quote (「嘘だ。」と言った).
            if (
                self.quote_continuations
                and text[after - 1] in self.closers
                and text.startswith(self.quote_continuations, after)
            ):
                return -1
            return after if self._next_token(text, after, end)[0] != "none" else -1
        term_start = match.start()

        nxt_kind, nxt_word = self._next_token(text, after, end)
        if nxt_kind == "none":
            return -1  # end of the piece: the piece end closes the sentence anyway
        window = text[max(sentence_start, term_start - _LOOKBEHIND) : term_start]
        attached = bool(window) and not window[-1].isspace()
        if attached and term.startswith(". ") and _ellipsis_dots(term[2:]) >= 3:
            # "compounds. . . . The practice", "their life. ... go to": the period ends the
            # sentence and the separate ellipsis opens the next one.
            return term_start + 1

        if nxt_kind == "lower":
            return -1  # "Jane and co. at the party", "Yahoo! in", '"Why?" she asked'

        if not self.exclaims.isdisjoint(term):
            return after

        dots = _ellipsis_dots(term)

        if dots >= 3:
            return _decide_ellipsis(text, term, term_start, after, attached, nxt_word)
        if not attached:
            return after  # a detached period: "word . Next"

        words = window.split()
        if self._is_abbreviation_not_final(
            words, nxt_kind, nxt_word, window, term_start, sentence_start
        ):
            return -1
        return after

    def _is_abbreviation_not_final(
        self,
        words: list[str],
        nxt_kind: str,
        nxt_word: str,
        window: str,
        term_start: int,
        sentence_start: int,
    ) -> bool:
        """Whether the period after ``words[-1]`` belongs to an abbreviation and does not end
        the sentence, given what follows (``nxt_kind`` is "upper", "digit", "dash" or "other")."""
        token = words[-1].lstrip(self.openers)
        if not token or "@" in token or "://" in token or token.startswith("www."):
            return False  # e-mail address, URL
        part = self.token_parts_re.split(token)[-1]
        if not part:
            return False
        key = part.lower()
        # A letter without case (Arabic, Devanagari, ...) counts as a capital outside English.
        capitalised = part[0].isupper() or (not self.english and not part[0].islower())
        starter = _bare(nxt_word) in self.starters

        if key in self.prepositive and (capitalised or (not self.english and len(key) > 2)):
            return True  # "Sen. Elizabeth Warren", "Dr. Smith", "volgens dhr. Jansen"
        if key in self.never_final:
            return True  # "e.g. Paris", "Roe v. Wade"
        if key in self.times:
            if nxt_kind != "upper" or nxt_word in self.time_followers:
                return nxt_kind != "digit"
            # "At 5 a.m. Mr. Smith went": a 3-word fragment is not a sentence.
            whole_sentence = term_start - sentence_start <= len(window)
            return whole_sentence and len(words) <= 3
        if self.ordinals and nxt_kind == "upper" and not starter and _is_ordinal(part):
            return True  # "am 3. Oktober", "Ludwig XIV. starb"

        if len(part) == 1 and part.isalpha():
            if part.isupper():
                return self._initial_not_final(part, words, nxt_kind, starter)
            return _ambiguous_not_final(nxt_kind, starter)  # "p. 55", "plan b. The"

        if (
            key in self.ambiguous
            or (key in self.capitalised_ambiguous and capitalised)
            or _DOTTED_RE.fullmatch(part)
        ):
            return _ambiguous_not_final(nxt_kind, starter)
        return False  # an ordinary word or number: "World. My", "$100.00. It", "example.com. I"

    def _initial_not_final(
        self, letter: str, words: list[str], nxt_kind: str, starter: bool
    ) -> bool:
        """Single capital letter: an initial ("George W. Bush") unless context says otherwise."""
        if nxt_kind != "upper":
            return nxt_kind == "dash"
        previous = words[-2].strip(self.quotes) if len(words) >= 2 else ""
        previous_is_lower = previous[:1].islower()
        if letter == "I" and previous_is_lower:
            return False  # "you and I. Did you see ..." (pronoun, not an initial)
        # "vitamin C. It is ..." ends a sentence; "author J. R. R. Tolkien" does not.
        return not (previous_is_lower and starter)

    def _next_token(self, text: str, pos: int, end: int) -> tuple[str, str]:
        """Classify what follows a candidate: ("none"|"lower"|"upper"|"digit"|"dash"|"other",
        word).

        Whitespace and opening quotes/brackets are skipped; ``word`` is the following word
        (letters only) when it starts with a letter.
        """
        # Skip whitespace (bounded by the piece end; every candidate is followed by its own
        # whitespace run, so the total work stays linear).
        while pos < end and text[pos].isspace():
            pos += 1
        if self.lower_starts and text.startswith(self.lower_starts, pos):
            return "upper", ""  # Dutch "'s Avonds", "'t Is"
        # Skip at most a few opening quotes/brackets: '"We', '("The', ...
        limit = min(end, pos + 4)
        while pos < limit and text[pos] in self.openers:
            pos += 1
        if pos >= end:
            return "none", ""
        char = text[pos]
        if char.islower():
            return "lower", ""
        if char.isdigit():
            return "digit", ""
        if char in _DASHES:
            return "dash", ""
        if char.isalpha():  # upper, title case or a caseless script
            match = _WORD_RE.match(text, pos, end)
            return "upper", match.group() if match else char
        return "other", ""


# --------------------------------------------------------------------------------------------
# Helpers that need no word lists
# --------------------------------------------------------------------------------------------


def _marker_end(text: str, pos: int, end: int) -> int:
    """End of the list marker at ``pos`` (``pos`` itself if there is none)."""
    match = _MARKER_RE.match(text, pos, end)
    return match.end() if match else pos


def _ellipsis_dots(term: str) -> int:
    """Number of dots in a run of terminal punctuation ("…" counts as three)."""
    return term.count(".") + 3 * term.count("\u2026")


def _decide_ellipsis(
    text: str, term: str, term_start: int, after: int, attached: bool, nxt_word: str
) -> int:
    """Boundaries for "...", "…", ". . ." and four-dot ellipses before a capitalised word,
    a digit or a symbol (the caller has already handled a following lower-case word)."""
    if term_start > 0 and text[term_start - 1] in "[(":
        return -1  # editorial omission "[...]"
    if _ellipsis_dots(term) >= 4:
        return after  # "that.... She left", "a period . . . . Next sentence."
    if not nxt_word:
        return -1  # a digit or a symbol follows: "up ... 5 percent"
    # "He paused... Then he spoke": an ellipsis attached to a word before a capital ends the
    # sentence.  A detached one marks an omission inside the sentence when the ambiguous "I"
    # follows: "the thing is . . . I didn't mean it".
    if attached or _bare(nxt_word) != "I":
        return after
    return -1


def _ambiguous_not_final(nxt_kind: str, starter: bool) -> bool:
    """Ambiguous abbreviation: a boundary only before a typical sentence-opening word."""
    if nxt_kind == "upper":
        return not starter  # "U.S. Government" vs "U.S. How about you?"
    return True  # digit ("No. 5", "Jan. 5"), dash ("Ill. — The"), other symbols


def _is_ordinal(part: str) -> bool:
    """A one-to-three digit number or a Roman numeral: "3", "19", "XIV" (not "2010")."""
    if part.isdigit():
        return len(part) <= 3
    return part.isupper() and len(part) > 1 and bool(_ROMAN_RE.fullmatch(part))


def _bare(word: str) -> str:
    """``word`` without an apostrophe suffix: "It's" -> "It", "I\u2019m" -> "I"."""
    return word.split("'")[0].split("\u2019")[0]


def _append_stripped(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> None:
    """Append ``[start, end)`` to ``spans`` without surrounding whitespace, if non-empty."""
    chunk = text[start:end]
    stripped = chunk.lstrip()
    if not stripped:
        return
    new_start = start + len(chunk) - len(stripped)
    spans.append((new_start, new_start + len(stripped.rstrip())))


# One splitter per language table; "und" (undetermined) holds the generic rules.  Tags seen in
# calls are added as aliases by ``_splitter``.
_SPLITTERS: dict[str, _Splitter] = {
    code: _Splitter(rules, english=code == "en") for code, rules in LANGUAGES.items()
}
_SPLITTERS["und"] = _Splitter(GENERIC, english=False)
