"""Check-worthiness beyond English: held-out figures of each language's model.

Run from the repository root:  python benchmarks/checkworthiness_languages.py

For every language with CheckThat! data in ``benchmarks/data/checkthat/<language>/`` it reads
the model file (``claims/nlp/data/checkworthiness-<language>.json.gz``, written by
``manage.py train_checkworthiness --language <language>``), scores the held-out file it never
saw in training, and prints beside it:

- the share of check-worthy items (the AP of a random ranking);
- the English model's AP on the same items (what scoring them with it would give);
- the bar (``training.adequate``: AP >= ADEQUATE_AP and a third of the way from a random
  ranking to a perfect one), and whether
  the language ships (``checkworthiness.TRAINED_LANGUAGES``);
- the scoring throughput on one core (held-out texts in batches of 256, median of 5, caches
  emptied before each pass), beside the English model's on the same texts.

Exits 1 when a shipped language misses the bar or its recorded figures do not reproduce,
2 when a language's model file or data is absent.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from checkworthiness import cpu_model, pin_to_one_core  # noqa: E402 - benchmarks/checkworthiness.py

BATCH_SIZE = 256
REPETITIONS = 5


def throughput(model, texts: list[str]) -> float:
    batches = [texts[i : i + BATCH_SIZE] for i in range(0, len(texts), BATCH_SIZE)]
    rates = []
    for _ in range(REPETITIONS):
        model.clear_caches()
        started = time.perf_counter()
        for batch in batches:
            model.score(batch)
        rates.append(len(texts) / (time.perf_counter() - started))
    return statistics.median(rates)


def main() -> int:
    import platform

    from claims.nlp import checkworthiness as cw
    from claims.nlp import training

    print("check-worthiness beyond English (benchmarks/checkworthiness_languages.py)")
    print(f"machine: {platform.platform()}; CPU: {cpu_model()}; python {platform.python_version()}")
    print(f"process: {pin_to_one_core()}")
    languages = sorted(p.name for p in training.CHECKTHAT_DATA.iterdir() if p.is_dir())
    english = cw.model_for("en")
    failed = missing = False
    for language in languages:
        path = cw.language_model_path(language)
        heldout_path = training.CHECKTHAT_DATA / language / "heldout.tsv"
        if not path.exists() or not heldout_path.exists():
            print(f"{language}: model or held-out file missing ({path.name}, {heldout_path})")
            missing = True
            continue
        model = cw.load_model(path)
        records = training.load_tsv(heldout_path)
        texts = [r["text"] for r in records]
        labels = [r["label"] for r in records]
        metrics = training.evaluate(model, texts, labels)
        share = metrics["positives"] / metrics["n"]
        english_ap = training.average_precision(labels, english.score(texts))
        recorded = model.info["metrics"]["heldout"]
        reproduces = abs(recorded["average_precision"] - metrics["average_precision"]) < 6e-5
        shipped = language in cw.TRAINED_LANGUAGES
        good = training.adequate(metrics)
        rate = throughput(model, texts)
        english_rate = throughput(english, texts)
        size = path.stat().st_size / 1e6
        train_info = model.info["training"]
        print(
            f"{language}: trained on {train_info['n_train']} ({train_info['data_file']}), "
            f"held out {metrics['n']} ({metrics['positives']} check-worthy, {share:.1%})"
        )
        print(
            f"  AP {metrics['average_precision']:.4f} (random {share:.4f}, English model "
            f"{english_ap:.4f}); at threshold {metrics['threshold']:.4f}: F1 {metrics['f1']:.4f}"
            f", precision {metrics['precision']:.4f}, recall {metrics['recall']:.4f}"
        )
        print(
            f"  cross-validated on its training file: AP {train_info['cv_average_precision']}"
            f"; {rate:,.0f} sentences/s on one core from empty caches (the English model on "
            f"the same texts: {english_rate:,.0f}); model file {size:.2f} MB"
        )
        bar = training.adequate_bar(metrics)
        verdict = "meets" if good else "misses"
        print(
            f"  {verdict} the bar (AP >= {bar:.4f}); "
            f"{'ships' if shipped else 'not shipped: articles in it are not scored'}; "
            f"recorded figures {'reproduce' if reproduces else 'DO NOT reproduce'}"
        )
        if shipped and not (good and reproduces):
            failed = True
    if failed:
        print("a shipped language misses its bar or its record")
        return 1
    return 2 if missing else 0


if __name__ == "__main__":
    raise SystemExit(main())
