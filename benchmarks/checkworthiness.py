"""Benchmark of the check-worthiness scorer (claims.nlp.checkworthiness).

Run from the repository root:  python benchmarks/checkworthiness.py

Prints the machine, the model file's size and load time, the held-out metrics of the shipped
model (split rebuilt from ../shared/data/claimbuster/train.json with the recorded seed), and the
scoring throughput on one core (all 7,976 sentences in batches, several repetitions, median).
Exits 1 if a bar in ``BARS`` is missed, 2 if the data is absent.

The accuracy bars are the shipped light model's honest floor on this internal split, by
decision of the project owners: the shipped model stays. Measured independently on a
held-out public benchmark test split it reaches AP 0.932 and F1 0.806 at its shipped
threshold, at 5,000-8,000 sentences/s. The internal ClaimBuster split (25 % positive) is
harder, so its bars are AP >= 0.85 and F1 >= 0.75 (they were 0.90 and 0.80, which the
shipped model missed here). The speed, load-time and size bars are unchanged.
"""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

DATA_FILE = REPO_ROOT.parent / "shared" / "data" / "claimbuster" / "train.json"
BATCH_SIZE = 256
REPETITIONS = 7
# Accuracy bars: the shipped model's floor on the internal split (see the module docstring).
BARS = {
    "average_precision": 0.85,
    "f1": 0.75,
    "sentences_per_second": 5000.0,
    "load_seconds": 1.0,
    "model_megabytes": 3.0,
}


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def pin_to_one_core() -> str:
    if not hasattr(os, "sched_setaffinity"):
        return "not pinned (no sched_setaffinity on this platform)"
    core = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {core})
    return f"pinned to core {core}"


def cold_load_seconds() -> float:
    """Import + first load of the model in a fresh interpreter (what a worker pays once)."""
    code = (
        "import time; t = time.perf_counter()\n"
        "import claims.nlp.checkworthiness as cw; cw.default_model()\n"
        "print(time.perf_counter() - t)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    )
    return float(out.stdout.strip())


def main() -> int:
    from claims.nlp import checkworthiness as cw
    from claims.nlp import training

    print("check-worthiness benchmark")
    print(f"machine: {platform.platform()}; CPU: {cpu_model()}; logical CPUs: {os.cpu_count()}")
    print(f"python: {platform.python_implementation()} {platform.python_version()}")
    print(f"process: {pin_to_one_core()}")

    size_mb = cw.MODEL_PATH.stat().st_size / 1e6
    print(f"model file: {cw.MODEL_PATH.relative_to(REPO_ROOT)} ({size_mb:.3f} MB)")
    cold = cold_load_seconds()
    load_times = []
    for _ in range(5):
        started = time.perf_counter()
        model = cw.load_model()
        load_times.append(time.perf_counter() - started)
    load = statistics.median(load_times)
    print(f"model load: {cold:.3f} s import + first load in a fresh process; {load:.3f} s median")

    if not DATA_FILE.exists():
        print(f"data file not found: {DATA_FILE}; cannot measure metrics or throughput")
        return 2

    info = cw.model_info()
    texts, labels = training.holdout(
        DATA_FILE, info["training"]["seed"], info["training"]["test_fraction"]
    )
    metrics = training.evaluate(model, texts, labels)
    print(
        f"held-out: {metrics['n']} sentences ({metrics['positives']} positive), seed "
        f"{info['training']['seed']}, threshold {metrics['threshold']:.4f}"
    )
    print(
        f"  AP {metrics['average_precision']:.4f}  F1 {metrics['f1']:.4f}  "
        f"precision {metrics['precision']:.4f}  recall {metrics['recall']:.4f}"
    )

    sentences = [r["text"] for r in training.load_records(DATA_FILE)]
    batches = [sentences[i : i + BATCH_SIZE] for i in range(0, len(sentences), BATCH_SIZE)]
    cold_rates = []
    warm_rates = []
    for _ in range(REPETITIONS):
        model.clear_caches()  # every repetition starts with empty per-word caches
        for rates in (cold_rates, warm_rates):
            started = time.perf_counter()
            for batch in batches:
                model.score(batch)
            rates.append(len(sentences) / (time.perf_counter() - started))
    rate = statistics.median(cold_rates)
    print(
        f"throughput: {len(sentences)} sentences in batches of {BATCH_SIZE}, {REPETITIONS} "
        f"repetitions, one core: median {rate:,.0f} sentences/s from empty caches "
        f"(min {min(cold_rates):,.0f}, max {max(cold_rates):,.0f}); "
        f"{statistics.median(warm_rates):,.0f} sentences/s on a second pass with warm caches"
    )

    measured = {
        "average_precision": metrics["average_precision"],
        "f1": metrics["f1"],
        "sentences_per_second": rate,
        "load_seconds": max(cold, load),
        "model_megabytes": size_mb,
    }
    missed = []
    for name, bar in BARS.items():
        value = measured[name]
        ok = value <= bar if name in ("load_seconds", "model_megabytes") else value >= bar
        sign = "<=" if name in ("load_seconds", "model_megabytes") else ">="
        print(f"  {'ok  ' if ok else 'MISS'} {name}: {value:,.4f} (bar {sign} {bar:,})")
        if not ok:
            missed.append(name)
    if missed:
        print(f"bars missed: {', '.join(missed)}")
        return 1
    print("all bars met")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
