"""Language detection (``claims/languages.py``): accuracy, speed and memory on the UD data.

Reads the first 300 paragraphs and the first 300 sentences of each
``shared/data/splitting/ud_dev_<lang>.json`` (de, en, es, fr, it, ja, nl, pt, ru, zh).

    .venv/bin/python benchmarks/language_detection.py            # the wrapper (claims.languages)
    .venv/bin/python benchmarks/language_detection.py py3langid  # the bare engine
    python benchmarks/language_detection.py lingua               # lingua-language-detector,
                                                                 # if installed (not a dependency)

The bare engines answer every text (accuracy = right answers / texts). The wrapper may
decline (too few letters, confidence under MIN_CONFIDENCE, mixed): it reports how many texts
it answered and how many of those were right; ingestion then uses FACTCHECK_CONTENT_LANGUAGE.
Run one engine per process: the peak memory (ru_maxrss) is the process's.
"""

from __future__ import annotations

import json
import os
import re
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(os.environ.get("FACTCHECK_SPLIT_DATA", ROOT.parent / "shared/data/splitting"))
LANGS = ("de", "en", "es", "fr", "it", "ja", "nl", "pt", "ru", "zh")
N = 300
_LETTERS = re.compile(r"[^\W\d_]")


def _texts(lang: str) -> tuple[list[str], list[str]]:
    items = json.loads((DATA / f"ud_dev_{lang}.json").read_text(encoding="utf-8"))
    paragraphs = [item["text"] for item in items][:N]
    sentences = [s for item in items for s in item["expected_sentences"]][:N]
    return paragraphs, sentences


def _rss_mb() -> int:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def _engine(name: str):
    if name == "py3langid":
        from py3langid.langid import MODEL_FILE, LanguageIdentifier

        identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
        return lambda text: identifier.classify(text)[0]
    if name == "lingua":
        from lingua import LanguageDetectorBuilder

        detector = LanguageDetectorBuilder.from_all_languages().build()

        def detect(text: str) -> str:
            found = detector.detect_language_of(text)
            return found.iso_code_639_1.name.lower() if found is not None else ""

        return detect
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factcheck.settings.test")
    import django

    django.setup()
    from claims import languages

    languages._get_identifier()
    return languages.detect


def _mixed(detect) -> dict:
    """English and another language in equal shares by letters (about 2,000 letters)."""

    def take(sentences, start, letters):
        out, got = [], 0
        while got < letters and start < len(sentences):
            out.append(sentences[start])
            got += len(_LETTERS.findall(sentences[start]))
            start += 1
        return out, start

    def long_sentences(lang):
        items = json.loads((DATA / f"ud_dev_{lang}.json").read_text(encoding="utf-8"))
        return [s for it in items for s in it["expected_sentences"] if len(s) >= 20]

    english = long_sentences("en")
    n = undetected = 0
    for lang in LANGS:
        if lang == "en":
            continue
        other, i, j = long_sentences(lang), 0, 0
        for _ in range(10):
            a, i = take(english, i, 1000)
            b, j = take(other, j, 1000)
            n += 1
            undetected += detect(" ".join(a) + "\n\n" + " ".join(b)) == ""
    return {"texts": n, "undetected": undetected}


def main() -> None:
    name = sys.argv[1] if len(sys.argv) > 1 else "wrapper"
    before = _rss_mb()
    started = time.perf_counter()
    detect = _engine(name)
    report = {"engine": name, "load_s": round(time.perf_counter() - started, 2)}
    report["rss_mb_after_load"] = _rss_mb()
    report["rss_mb_before"] = before
    for kind, index in (("paragraphs", 0), ("sentences", 1)):
        texts = answered = right = 0
        elapsed = 0.0
        per = {}
        for lang in LANGS:
            sample = _texts(lang)[index]
            t0 = time.perf_counter()
            found = [detect(text) for text in sample]
            elapsed += time.perf_counter() - t0
            a = sum(1 for code in found if code)
            r = sum(1 for code in found if code == lang)
            per[lang] = round(r / a, 3) if a else None
            texts, answered, right = texts + len(sample), answered + a, right + r
        report[kind] = {
            "texts": texts,
            "answered": round(answered / texts, 4),
            "right_of_answered": round(right / answered, 4),
            "wrong": answered - right,
            "ms_per_text": round(elapsed / texts * 1000, 3),
            "right_of_answered_per_language": per,
        }
    if name == "wrapper":
        report["mixed_en_half"] = _mixed(detect)
    report["rss_mb_end"] = _rss_mb()
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
