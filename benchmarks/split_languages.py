"""Benchmark the project's sentence splitter in twelve languages against pySBD.

Run from the repository root::

    python benchmarks/split_languages.py

For each of en, es, fr, de, it, pt, nl, ru, ar, zh, ja and hi it prints, for the project
(``split_sentences(text, language=...)``) and for pySBD 0.3.4 (``Segmenter(language=...,
clean=False, char_span=True)``) on the same inputs:

* golden-rule score n/N on the project's own per-language cases
  (``benchmarks/data/golden_rules/<lang>.json``: stripped segments must equal
  ``expected_sentences`` exactly),
* where Universal Dependencies dev data exists (``../shared/data/splitting/ud_dev_<lang>.json``,
  10 languages): boundary precision / recall / F1 (a boundary is the start offset of every
  sentence but the first of a paragraph) and the share of paragraphs split exactly,
* throughput in KB/s (1 KB = 1000 bytes of UTF-8) on a corpus of that language's texts (golden
  cases and UD paragraphs, blank-line separated) repeated to ~200 KB: the project on the corpus as
  one string, pySBD one ``segment()`` call per paragraph as ``benchmarks/split.py`` does (its
  fastest use), and the speed-up,
* for the project, the linearity ratio t(1 MB) / t(100 KB) on the same texts repeated (the
  100 KB sample is the first tenth of the 1 MB text; median of three interleaved rounds, each
  the best of 3 runs on 1 MB over the best of 10 runs on 100 KB).

Times are CPU times of the benchmark process (``time.process_time``, best of several runs), so
other jobs on a shared machine do not skew the ratios; single-threaded code, so CPU time is the
wall-clock time on an idle machine.

pySBD has no Portuguese: its columns say "n/a" there and the speed-up bar is not checked.

Bars: speed-up >= 10x and linearity ratio <= 12 for every language pySBD supports; a missed bar
prints "MISSED".  Exit status: 0 when every bar is met, 1 when a bar is missed, 2 when data or
pySBD is missing.
"""

import gc
import importlib.util
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_SPLITTING = REPO_ROOT.parent / "shared" / "data" / "splitting"
GOLDEN_DIR = REPO_ROOT / "benchmarks" / "data" / "golden_rules"

LANGUAGES = ["en", "es", "fr", "de", "it", "pt", "nl", "ru", "ar", "zh", "ja", "hi"]
PYSBD_CODES = {"en", "es", "fr", "de", "it", "nl", "ru", "ar", "zh", "ja", "hi"}

CORPUS_BYTES = 200_000  # throughput corpus per language
LINEAR_BYTES = 1_000_000  # linearity: 1 MB vs its first tenth
MIN_SPEEDUP = 10.0
MAX_LINEARITY_RATIO = 12.0  # ~10x for 10x the input, with 20 % allowance for timing noise
LINEARITY_ROUNDS = 3


def _load_splitter() -> Callable[..., list[tuple[int, int]]]:
    """Load ``claims/nlp/splitting.py`` by path (no Django, no check-worthiness model)."""
    path = REPO_ROOT / "claims" / "nlp" / "splitting.py"
    spec = importlib.util.spec_from_file_location("claims_nlp_splitting_bench", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.split_sentences


split_sentences = _load_splitter()


# --------------------------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------------------------


def golden_cases(lang: str) -> list[dict]:
    path = GOLDEN_DIR / f"{lang}.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else []


def ud_cases(lang: str) -> list[dict]:
    path = SHARED_SPLITTING / f"ud_dev_{lang}.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else []


def repeat_to(texts: list[str], n_bytes: int) -> str:
    """``texts`` joined by blank lines and repeated until the UTF-8 size reaches ``n_bytes``."""
    block = "\n\n".join(texts)
    block_bytes = len(block.encode("utf-8")) + 2
    copies = max(1, -(-n_bytes // block_bytes))
    return "\n\n".join([block] * copies)


def kb(text: str) -> float:
    return len(text.encode("utf-8")) / 1000


# --------------------------------------------------------------------------------------------
# Scoring
# --------------------------------------------------------------------------------------------


def starts_of(text: str, sentences: list[str]) -> set[int]:
    """Start offsets of every sentence but the first, found left to right in ``text``."""
    starts: set[int] = set()
    pos = 0
    for index, sentence in enumerate(sentences):
        sentence = sentence.strip()
        if not sentence:
            continue
        found = text.find(sentence, pos)
        if found < 0:  # a segmenter that changed the text: align on what is left
            continue
        if index:
            starts.add(found)
        pos = found + len(sentence)
    return starts


def golden_score(segment: Callable[[str], list[str]], cases: list[dict]) -> tuple[int, list]:
    failed = []
    for case in cases:
        got = [s.strip() for s in segment(case["text"]) if s.strip()]
        if got != case["expected_sentences"]:
            failed.append(case.get("id"))
    return len(cases) - len(failed), failed


def ud_scores(segment: Callable[[str], list[str]], cases: list[dict]) -> dict[str, float]:
    """Boundary precision / recall / F1 and the share of paragraphs split exactly."""
    tp = fp = fn = exact = 0
    for case in cases:
        text = case["text"]
        got = [s.strip() for s in segment(text) if s.strip()]
        gold = starts_of(text, case["expected_sentences"])
        pred = starts_of(text, got)
        tp += len(gold & pred)
        fp += len(pred - gold)
        fn += len(gold - pred)
        exact += got == case["expected_sentences"]
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"p": precision, "r": recall, "f1": f1, "exact": exact / len(cases)}


def best_time(func: Callable[[], object], repeat: int) -> float:
    """Best CPU time of this process over ``repeat`` calls (``time.process_time``: other jobs on
    a shared machine do not inflate it), with the garbage collector paused."""
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        gc.disable()
        try:
            start = time.process_time()
            func()
            best = min(best, time.process_time() - start)
        finally:
            gc.enable()
    return best


def project_segmenter(lang: str) -> Callable[[str], list[str]]:
    def segment(text: str) -> list[str]:
        return [text[start:end] for start, end in split_sentences(text, language=lang)]

    return segment


# --------------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------------


def measure(lang: str, pysbd) -> dict:
    golden = golden_cases(lang)
    ud = ud_cases(lang)
    texts = [case["text"] for case in golden] + [case["text"] for case in ud]
    ours = project_segmenter(lang)
    row: dict = {"lang": lang, "n_golden": len(golden)}
    row["golden"], row["golden_failed"] = golden_score(ours, golden)
    row["ud"] = ud_scores(ours, ud) if ud else None

    corpus = repeat_to(texts, CORPUS_BYTES)
    big = repeat_to(texts, LINEAR_BYTES)
    small = big[: len(big) // 10]
    split_sentences(corpus, language=lang)  # warm-up
    row["kbps"] = kb(corpus) / best_time(lambda: split_sentences(corpus, language=lang), 5)
    ratios = []
    for _ in range(LINEARITY_ROUNDS):  # interleaved rounds; the median damps a busy machine
        t_big = best_time(lambda: split_sentences(big, language=lang), 3)
        t_small = best_time(lambda: split_sentences(small, language=lang), 10)
        ratios.append(t_big / t_small)
    row["linearity"] = statistics.median(ratios)

    row["pysbd"] = None
    if lang in PYSBD_CODES:
        segmenter = pysbd.Segmenter(language=lang, clean=False, char_span=True)

        def theirs(text: str) -> list[str]:
            return [span.sent for span in segmenter.segment(text)]

        paragraphs = [p for p in corpus.split("\n\n") if p.strip()]

        def run_paragraphs() -> None:
            for paragraph in paragraphs:
                segmenter.segment(paragraph)

        golden_theirs, failed_theirs = golden_score(theirs, golden)
        t_theirs = best_time(run_paragraphs, 1)
        row["pysbd"] = {
            "golden": golden_theirs,
            "golden_failed": failed_theirs,
            "ud": ud_scores(theirs, ud) if ud else None,
            "kbps": kb(corpus) / t_theirs,
        }
    return row


def _fmt_ud(ud: dict | None) -> str:
    if not ud:
        return "n/a"
    return f"{ud['p']:.3f} / {ud['r']:.3f} / {ud['f1']:.3f} ({100 * ud['exact']:.0f} %)"


def main(argv: list[str]) -> int:
    try:
        import pysbd
    except ImportError:
        print("pySBD is not installed (pip install pysbd==0.3.4); it is the reference to beat.")
        return 2
    if not SHARED_SPLITTING.exists():
        print(f"missing data folder: {SHARED_SPLITTING}")
        return 2
    for lang in LANGUAGES:
        if not golden_cases(lang):
            print(f"missing golden cases: {GOLDEN_DIR / (lang + '.json')}")
            return 2
    languages = argv or LANGUAGES

    print("Machine:", platform.platform(), "|", platform.machine(), "| CPUs:", os.cpu_count())
    print("Python:", sys.version.replace("\n", " "), "| pySBD:", getattr(pysbd, "__version__", "?"))
    print(
        f"Throughput corpus: each language's golden + UD texts repeated to ~{CORPUS_BYTES:,} "
        "bytes; project on one string, pySBD one segment() per paragraph"
    )
    print()
    header = (
        "| lang | golden: project | golden: pySBD | UD dev P / R / F1 (exact paragraphs): project "
        "| UD dev: pySBD | project KB/s | pySBD KB/s | speed-up | linearity 1 MB/100 KB |"
    )
    print(header)
    print("|" + "---|" * 10)
    missed: list[str] = []
    for lang in languages:
        row = measure(lang, pysbd)
        theirs = row["pysbd"]
        if theirs:
            speedup = row["kbps"] / theirs["kbps"]
            speed = f"{speedup:.0f}x" + ("" if speedup >= MIN_SPEEDUP else " MISSED")
            if speedup < MIN_SPEEDUP:
                missed.append(f"{lang}: speed-up {speedup:.1f}x < {MIN_SPEEDUP}x")
        else:
            speed = "n/a"
        linear = f"{row['linearity']:.2f}"
        if row["linearity"] > MAX_LINEARITY_RATIO:
            linear += " MISSED"
            missed.append(f"{lang}: linearity {row['linearity']:.2f} > {MAX_LINEARITY_RATIO}")
        print(
            f"| {lang} | {row['golden']}/{row['n_golden']} "
            f"| {theirs['golden'] if theirs else 'n/a'}"
            f"{'/' + str(row['n_golden']) if theirs else ''} "
            f"| {_fmt_ud(row['ud'])} | {_fmt_ud(theirs['ud']) if theirs else 'n/a'} "
            f"| {row['kbps']:,.0f} | {f'{theirs["kbps"]:,.0f}' if theirs else 'n/a'} "
            f"| {speed} | {linear} |",
            flush=True,
        )
        if row["golden_failed"]:
            print(f"|   | failing golden ids (project): {row['golden_failed']} |", flush=True)
    print()
    if missed:
        print("MISSED:", "; ".join(missed))
        return 1
    print(f"All bars met: speed-up >= {MIN_SPEEDUP}x, linearity <= {MAX_LINEARITY_RATIO}.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
