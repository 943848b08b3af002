"""Benchmark the project's sentence splitter against pySBD.

Run from the repository root::

    python benchmarks/split.py

It builds a deterministic ~1 MB English news-like corpus (ClaimBuster sentences grouped into
paragraphs under headlines, bylines and datelines, with bullet and numbered lists, plus the seed
article and the Golden Rules texts), then prints for the project and for pySBD:

* Golden Rules accuracy (n/48),
* throughput in KB/s (1 KB = 1000 bytes of UTF-8),
* for the project, the time ratio 1 MB / 100 KB (linearity check),
* the speed-up of the project over pySBD.

The project is timed on the full 1 MB corpus as one string.  pySBD slows down super-linearly on
long strings, so it is timed on a fixed subset and fed one paragraph at a time (its fastest way
of use, which makes the speed-up figure conservative); a single-string pySBD timing on a smaller
prefix is printed for information.

Exit status: 0 when every bar is met, 1 when a bar is missed, 2 when data or pySBD is missing.
"""

import gc
import importlib.util
import json
import os
import platform
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"
GOLDEN_RULES = SHARED_DATA / "splitting" / "golden_rules_en.json"
CLAIMBUSTER = SHARED_DATA / "claimbuster" / "train.json"
SEED_ARTICLE = SHARED_DATA / "seed" / "000_df0be6989c06b2b4.txt"

sys.path.insert(0, str(REPO_ROOT))


def _load_splitter() -> Callable[[str], list[tuple[int, int]]]:
    """Load ``claims/nlp/splitting.py`` by path.

    Importing ``claims.nlp`` would also import the check-worthiness model (``claims/nlp/
    __init__.py``), which this benchmark does not need; the splitter has no project imports.
    """
    path = REPO_ROOT / "claims" / "nlp" / "splitting.py"
    spec = importlib.util.spec_from_file_location("claims_nlp_splitting_bench", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.split_sentences


split_sentences = _load_splitter()

CORPUS_CHARS = 1_000_000  # "1 MB"
SMALL_FRACTION = 10  # the "100 KB" sample is the first tenth of the corpus
PYSBD_PARAGRAPH_BYTES = 200_000  # pySBD per-paragraph subset
PYSBD_PREFIX_CHARS = 50_000  # pySBD single-string prefix (information only)

# Bars.
MIN_GOLDEN = 46
MAX_LINEARITY_RATIO = 12.0  # ~10x for 10x the input, with 20 % allowance for timing noise
MIN_SPEEDUP = 10.0

CITIES = ["WASHINGTON", "NEW YORK", "LONDON", "KYIV", "BRUSSELS", "SPRINGFIELD, Ill."]
AGENCIES = ["(Reuters) -", "(AP) —", "(AFP) -"]
AUTHORS = ["Jane Doe", "John Smith", "Maria Garcia", "Wei Zhang", "Amara Okafor"]
MONTHS = ["Jan.", "Feb.", "Aug.", "Sept.", "Oct.", "Nov.", "Dec."]


# --------------------------------------------------------------------------------------------
# Corpus
# --------------------------------------------------------------------------------------------


def _headline(rng: random.Random, sentence: str) -> str:
    """A title-case headline (no final punctuation) made from the start of a sentence."""
    words = [w.strip(".,;:!?\"'") for w in sentence.split()[: rng.randint(4, 9)]]
    return " ".join(w[:1].upper() + w[1:] for w in words if w)


def build_corpus(sentences: list[str], seed_article: str, golden_texts: list[str]) -> str:
    """Build a deterministic news-like corpus of exactly ``CORPUS_CHARS`` characters."""
    rng = random.Random(20240601)
    parts: list[str] = [seed_article.strip(), "\n\n".join(golden_texts)]
    size = sum(len(p) + 2 for p in parts)
    order = list(range(len(sentences)))
    cursor = len(order)
    while size < CORPUS_CHARS:
        # One "article": headline, byline, dateline + paragraphs, sometimes a list.
        article: list[str] = []
        take: list[str] = []
        for _ in range(rng.randint(8, 20)):
            if cursor >= len(order):
                rng.shuffle(order)
                cursor = 0
            take.append(sentences[order[cursor]])
            cursor += 1
        article.append(_headline(rng, take[0]))
        article.append(f"By {rng.choice(AUTHORS)}")
        i = 0
        first = True
        while i < len(take):
            n = rng.randint(2, 5)
            chunk = take[i : i + n]
            i += n
            kind = rng.random()
            if first:
                dateline = f"{rng.choice(CITIES)}, {rng.choice(MONTHS)} {rng.randint(1, 28)}"
                article.append(f"{dateline} {rng.choice(AGENCIES)} " + " ".join(chunk))
                first = False
            elif kind < 0.12:
                article.append("\n".join(f"- {s}" for s in chunk))
            elif kind < 0.20:
                article.append("\n".join(f"{k}. {s}" for k, s in enumerate(chunk, 1)))
            elif kind < 0.28:
                article.append(_headline(rng, chunk[0]))
                article.append(" ".join(chunk))
            else:
                article.append(" ".join(chunk))
        text = "\n\n".join(article)
        parts.append(text)
        size += len(text) + 2
    return "\n\n".join(parts)[:CORPUS_CHARS]


# --------------------------------------------------------------------------------------------
# Measurements
# --------------------------------------------------------------------------------------------


def golden_score(segment: Callable[[str], list[str]], cases: list[dict]) -> tuple[int, list[int]]:
    """Number of Golden Rules cases segmented exactly as expected, and the failing ids."""
    failed = []
    for case in cases:
        if [s.strip() for s in segment(case["text"])] != case["expected_sentences"]:
            failed.append(case["id"])
    return len(cases) - len(failed), failed


def best_time(func: Callable[[], object], repeat: int) -> float:
    """Best wall-clock time of ``repeat`` calls, with the garbage collector paused so a
    collection triggered by earlier allocations is not charged to one size only."""
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        gc.disable()
        try:
            start = time.perf_counter()
            func()
            best = min(best, time.perf_counter() - start)
        finally:
            gc.enable()
    return best


def kb(text: str) -> float:
    return len(text.encode("utf-8")) / 1000


def project_segment(text: str) -> list[str]:
    return [text[start:end] for start, end in split_sentences(text)]


def main() -> int:
    for path in (GOLDEN_RULES, CLAIMBUSTER, SEED_ARTICLE):
        if not path.exists():
            print(f"missing data file: {path}")
            return 2
    try:
        import pysbd
    except ImportError:
        print("pySBD is not installed (pip install pysbd==0.3.4); it is the reference to beat.")
        return 2

    cases = json.loads(GOLDEN_RULES.read_text(encoding="utf-8"))
    sentences = [row["text"] for row in json.loads(CLAIMBUSTER.read_text(encoding="utf-8"))]
    seed_article = SEED_ARTICLE.read_text(encoding="utf-8")
    corpus = build_corpus(sentences, seed_article, [case["text"] for case in cases])
    small = corpus[: len(corpus) // SMALL_FRACTION]

    print("Machine:", platform.platform(), "|", platform.machine(), "| CPUs:", os.cpu_count())
    print("Python:", sys.version.replace("\n", " "), "| pySBD:", getattr(pysbd, "__version__", "?"))
    print(
        f"Corpus: {len(corpus):,} chars = {kb(corpus):,.0f} KB UTF-8, "
        f"{corpus.count(chr(10) + chr(10)) + 1:,} blocks; small sample: first "
        f"{len(small):,} chars = {kb(small):,.0f} KB"
    )
    print()

    # --- project ------------------------------------------------------------------------
    ours_golden, ours_failed = golden_score(project_segment, cases)
    split_sentences(corpus)  # warm-up
    t_full = best_time(lambda: split_sentences(corpus), repeat=10)
    t_small = best_time(lambda: split_sentences(small), repeat=50)
    ours_kbps = kb(corpus) / t_full
    ratio = t_full / t_small
    n_ours = len(split_sentences(corpus))
    print("claims.nlp.splitting (pure Python, compiled regexes)")
    print(f"  golden rules      : {ours_golden}/{len(cases)}  failing ids: {ours_failed or 'none'}")
    print(f"  1 MB corpus       : {t_full:.3f} s  -> {ours_kbps:,.0f} KB/s  ({n_ours:,} sentences)")
    print(f"  100 KB sample     : {t_small:.4f} s")
    print(f"  linearity         : t(1 MB) / t(100 KB) = {ratio:.2f} (bar <= {MAX_LINEARITY_RATIO})")
    print()

    # --- pySBD --------------------------------------------------------------------------
    segmenter = pysbd.Segmenter(language="en", clean=False, char_span=True)

    def pysbd_segment(text: str) -> list[str]:
        return [span.sent for span in segmenter.segment(text)]

    pysbd_golden, pysbd_failed = golden_score(pysbd_segment, cases)

    paragraphs: list[str] = []
    subset_kb = 0.0
    for block in corpus.split("\n\n"):
        if block.strip():
            paragraphs.append(block)
            subset_kb += kb(block)
            if subset_kb * 1000 >= PYSBD_PARAGRAPH_BYTES:
                break

    def run_paragraphs() -> None:
        for paragraph in paragraphs:
            segmenter.segment(paragraph)

    t_pysbd = best_time(run_paragraphs, repeat=1)
    pysbd_kbps = subset_kb / t_pysbd
    prefix = corpus[:PYSBD_PREFIX_CHARS]
    t_prefix = best_time(lambda: segmenter.segment(prefix), repeat=1)
    print('pySBD 0.3.4 (Segmenter(language="en", clean=False, char_span=True))')
    print(
        f"  golden rules      : {pysbd_golden}/{len(cases)}  failing ids: {pysbd_failed or 'none'}"
    )
    print(
        f"  subset            : first {len(paragraphs):,} paragraphs of the corpus "
        f"({subset_kb:,.0f} KB), one segment() call per paragraph (NOT the full 1 MB)"
    )
    print(f"  throughput        : {t_pysbd:.2f} s -> {pysbd_kbps:,.0f} KB/s")
    print(
        f"  for information   : one segment() call on the first {len(prefix):,} chars "
        f"({kb(prefix):,.0f} KB): {t_prefix:.2f} s -> {kb(prefix) / t_prefix:,.0f} KB/s"
    )
    print()

    # --- verdict -------------------------------------------------------------------------
    speedup = ours_kbps / pysbd_kbps
    print(f"Speed-up (project KB/s on 1 MB / pySBD per-paragraph KB/s): {speedup:.1f}x")
    bars = {
        f"golden rules >= {MIN_GOLDEN}/48": ours_golden >= MIN_GOLDEN,
        f"linearity ratio <= {MAX_LINEARITY_RATIO}": ratio <= MAX_LINEARITY_RATIO,
        f"speed-up >= {MIN_SPEEDUP}x": speedup >= MIN_SPEEDUP,
    }
    for name, ok in bars.items():
        print(f"  [{'PASS' if ok else 'FAIL'}] {name}")
    return 0 if all(bars.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
