"""Training of the check-worthiness model shipped in ``claims/nlp/data/checkworthiness.json.gz``.

``train(data_path, out_path, seed=42)`` reads the ClaimBuster sentences (a JSON list of
``{sentence_id, label, text}``), holds out a stratified 20 % (fixed seed; sentences with the same
text always fall on the same side), and trains on the rest:

1. features come from :func:`claims.nlp.checkworthiness.extract_features` (the code used at run
   time): binary TF-IDF word 1-2-grams and character 2-5-grams, each block L2-normalised, plus
   standardised hand-made cues scaled down by ``HAND_SCALE``;
2. a linear SVM (``LinearSVC``) is fitted; 5-fold out-of-fold decision values on the training
   part give the Platt calibration (decision → probability) and the default threshold (the one
   maximising F1 out of fold). The held-out part is used only to report metrics;
3. the model is written as gzip-compressed JSON, read back with the run-time loader and scored
   on the held-out part, so the recorded metrics are those of the shipped file.

scikit-learn and numpy are needed only here (see ``requirements-train.txt``); they are imported
inside ``train`` so that the pure-Python helpers below (split and metrics, used by tests and the
benchmark) can be imported without them.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
import platform
import random
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from claims.nlp import checkworthiness as cw

DEFAULT_SEED = 42
TEST_FRACTION = 0.2
CV_FOLDS = 5
SVM_C = 0.2
HAND_SCALE = 0.05
WORD_NGRAMS = (1, 2)
CHAR_NGRAMS = (2, 5)
MIN_DF = {"word": 2, "char": 3}

# Targets from the project brief (positive class, held-out part).
TARGET_AP = 0.90
TARGET_F1 = 0.80


# --------------------------------------------------------------------------------------------
# Pure-Python helpers (no scikit-learn / numpy)
# --------------------------------------------------------------------------------------------


def file_sha256(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def load_records(data_path: str | Path) -> list[dict[str, Any]]:
    """The dataset as a list of ``{sentence_id, label, text}`` with ``label`` in {0, 1}."""
    with open(data_path, encoding="utf-8") as handle:
        records = json.load(handle)
    for record in records:
        if record["label"] not in (0, 1) or not isinstance(record["text"], str):
            raise ValueError(f"bad record: {record!r}")
    return records


def stratified_split(
    records: Sequence[dict[str, Any]],
    seed: int = DEFAULT_SEED,
    test_fraction: float = TEST_FRACTION,
) -> tuple[list[int], list[int]]:
    """Indices ``(train, test)`` of a reproducible stratified split.

    Records are grouped by exact text so that duplicates never straddle the split; groups are
    shuffled per label with ``random.Random(seed)`` and the first ones fill
    ``round(test_fraction * n_label)`` test records of each label.
    """
    groups: dict[str, list[int]] = defaultdict(list)
    for index, record in enumerate(records):
        groups[record["text"]].append(index)
    by_label: dict[int, list[list[int]]] = defaultdict(list)
    for members in groups.values():  # insertion order = order of first appearance
        by_label[records[members[0]]["label"]].append(members)
    rng = random.Random(seed)  # noqa: S311 - reproducible data split, not cryptography
    train: list[int] = []
    test: list[int] = []
    for label in sorted(by_label):
        label_groups = by_label[label]
        rng.shuffle(label_groups)
        wanted = round(test_fraction * sum(len(g) for g in label_groups))
        taken = 0
        for members in label_groups:
            if taken < wanted:
                test.extend(members)
                taken += len(members)
            else:
                train.extend(members)
    return sorted(train), sorted(test)


def average_precision(labels: Sequence[int], scores: Sequence[float]) -> float:
    """Average precision of the positive class (step-wise, ties grouped, as scikit-learn)."""
    positives = sum(1 for y in labels if y == 1)
    if positives == 0:
        return 0.0
    pairs = sorted(zip(scores, labels, strict=True), key=lambda p: -p[0])
    ap = 0.0
    tp = fp = 0
    previous_recall = 0.0
    i = 0
    while i < len(pairs):
        score = pairs[i][0]
        while i < len(pairs) and pairs[i][0] == score:
            if pairs[i][1] == 1:
                tp += 1
            else:
                fp += 1
            i += 1
        recall = tp / positives
        ap += (recall - previous_recall) * (tp / (tp + fp))
        previous_recall = recall
    return ap


def threshold_metrics(
    labels: Sequence[int], scores: Sequence[float], threshold: float
) -> dict[str, float]:
    """Precision, recall and F1 of the positive class when ``score >= threshold``."""
    tp = sum(1 for y, s in zip(labels, scores, strict=True) if s >= threshold and y == 1)
    fp = sum(1 for y, s in zip(labels, scores, strict=True) if s >= threshold and y != 1)
    fn = sum(1 for y, s in zip(labels, scores, strict=True) if s < threshold and y == 1)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}


def best_f1_threshold(labels: Sequence[int], scores: Sequence[float]) -> tuple[float, float]:
    """``(threshold, f1)`` maximising F1 over thresholds placed at the observed scores."""
    positives = sum(1 for y in labels if y == 1)
    pairs = sorted(zip(scores, labels, strict=True), key=lambda p: -p[0])
    best = (1.0, 0.0)
    tp = fp = 0
    i = 0
    while i < len(pairs):
        score = pairs[i][0]
        while i < len(pairs) and pairs[i][0] == score:
            tp += pairs[i][1] == 1
            fp += pairs[i][1] != 1
            i += 1
        f1 = 2 * tp / (tp + fp + positives) if positives else 0.0
        if f1 > best[1]:
            best = (score, f1)
    return best


def evaluate(
    model: cw.CheckworthinessModel,
    texts: Sequence[str],
    labels: Sequence[int],
    threshold: float | None = None,
) -> dict[str, float]:
    """Held-out style metrics of ``model`` on ``texts`` at ``threshold`` (model's by default)."""
    threshold = model.threshold if threshold is None else threshold
    scores = model.score(texts)
    metrics = {"average_precision": average_precision(labels, scores)}
    metrics.update(threshold_metrics(labels, scores, threshold))
    metrics["threshold"] = threshold
    metrics["n"] = len(labels)
    metrics["positives"] = sum(1 for y in labels if y == 1)
    return metrics


def holdout(
    data_path: str | Path, seed: int = DEFAULT_SEED, test_fraction: float = TEST_FRACTION
) -> tuple[list[str], list[int]]:
    """Texts and labels of the held-out part, rebuilt from the data file and the seed."""
    records = load_records(data_path)
    _, test = stratified_split(records, seed, test_fraction)
    return [records[i]["text"] for i in test], [records[i]["label"] for i in test]


# --------------------------------------------------------------------------------------------
# Training (scikit-learn and numpy)
# --------------------------------------------------------------------------------------------


FEATURE_CONFIG: dict[str, Any] = {
    "word": {"ngram_range": list(WORD_NGRAMS)},
    "char": {"ngram_range": list(CHAR_NGRAMS)},
}


class _Featurizer:
    """Fits TF-IDF blocks and hand-feature scaling on one training set (scikit-learn)."""

    def __init__(self) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.preprocessing import StandardScaler

        self.vectorizers = {
            name: TfidfVectorizer(
                analyzer=_identity,
                lowercase=False,
                min_df=MIN_DF[name],
                binary=True,
                smooth_idf=True,
                norm="l2",
                dtype=_float64(),
            )
            for name in cw.TEXT_BLOCKS
        }
        self.scaler = StandardScaler()

    def fit_transform(self, extracted: Sequence[tuple[dict[str, list[str]], list[float]]]):
        from scipy.sparse import csr_matrix, hstack

        parts = [
            self.vectorizers[name].fit_transform([blocks[name] for blocks, _ in extracted])
            for name in cw.TEXT_BLOCKS
        ]
        hand = self.scaler.fit_transform([h for _, h in extracted]) * HAND_SCALE
        return hstack([*parts, csr_matrix(hand)]).tocsr()

    def transform(self, extracted: Sequence[tuple[dict[str, list[str]], list[float]]]):
        from scipy.sparse import csr_matrix, hstack

        parts = [
            self.vectorizers[name].transform([blocks[name] for blocks, _ in extracted])
            for name in cw.TEXT_BLOCKS
        ]
        hand = self.scaler.transform([h for _, h in extracted]) * HAND_SCALE
        return hstack([*parts, csr_matrix(hand)]).tocsr()


def _identity(terms: list[str]) -> list[str]:
    return terms


def _float64():
    import numpy as np

    return np.float64


def _fit_svm(features, labels, seed: int):
    from sklearn.svm import LinearSVC

    return LinearSVC(C=SVM_C, random_state=seed, max_iter=20000).fit(features, labels)


def _round(values, digits: int = 6) -> list[float]:
    return [float(f"{float(v):.{digits}g}") for v in values]


def _write_model(payload: dict[str, Any], out_path: Path) -> None:
    """Write gzip-compressed JSON; no name or time in the gzip header, so identical content
    gives a byte-identical file."""
    raw = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    out_path.parent.mkdir(parents=True, exist_ok=True)
    with (
        open(out_path, "wb") as handle,
        gzip.GzipFile(filename="", fileobj=handle, mode="wb", compresslevel=9, mtime=0) as gz,
    ):
        gz.write(raw)


def train(
    data_path: str | Path,
    out_path: str | Path,
    seed: int = DEFAULT_SEED,
    test_fraction: float = TEST_FRACTION,
    verbose: bool = True,
) -> dict[str, Any]:
    """Train on the data file, write the model to ``out_path`` and return held-out metrics."""
    import numpy as np
    import sklearn
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold

    def say(message: str) -> None:
        if verbose:
            print(message, flush=True)

    started = dt.datetime.now(dt.UTC)
    data_path = Path(data_path)
    out_path = Path(out_path)
    records = load_records(data_path)
    train_idx, test_idx = stratified_split(records, seed, test_fraction)
    texts = [records[i]["text"] for i in train_idx]
    labels = np.array([records[i]["label"] for i in train_idx])
    say(
        f"data: {len(records)} sentences ({sum(r['label'] for r in records)} positive); "
        f"train {len(train_idx)}, held out {len(test_idx)} (seed {seed})"
    )

    config = FEATURE_CONFIG
    extracted = [cw.extract_features(t, config) for t in texts]

    # Out-of-fold decision values on the training part: calibration and threshold.
    oof = np.zeros(len(texts))
    folds = StratifiedKFold(n_splits=CV_FOLDS, shuffle=True, random_state=seed)
    for fit_rows, val_rows in folds.split(np.zeros(len(labels)), labels):
        featurizer = _Featurizer()
        fit_x = featurizer.fit_transform([extracted[i] for i in fit_rows])
        model = _fit_svm(fit_x, labels[fit_rows], seed)
        oof[val_rows] = model.decision_function(
            featurizer.transform([extracted[i] for i in val_rows])
        )
    platt = LogisticRegression(C=1e6, max_iter=1000).fit(oof.reshape(-1, 1), labels)
    cal_a = float(platt.coef_[0][0])
    cal_b = float(platt.intercept_[0])
    oof_prob = 1.0 / (1.0 + np.exp(-(cal_a * oof + cal_b)))
    threshold, oof_f1 = best_f1_threshold(labels.tolist(), oof_prob.tolist())
    threshold = float(f"{threshold:.4f}")
    oof_ap = average_precision(labels.tolist(), oof_prob.tolist())
    say(f"cross-validation on train part: AP {oof_ap:.4f}, best F1 {oof_f1:.4f}")

    # Final model on the whole training part.
    featurizer = _Featurizer()
    model = _fit_svm(featurizer.fit_transform(extracted), labels, seed)
    coef = model.coef_[0]
    blocks: dict[str, Any] = {}
    offset = 0
    for name in cw.TEXT_BLOCKS:
        vectorizer = featurizer.vectorizers[name]
        terms = vectorizer.get_feature_names_out().tolist()
        size = len(terms)
        blocks[name] = {
            "terms": terms,
            "idf": _round(vectorizer.idf_, 6),
            "weight": _round(coef[offset : offset + size], 6),
        }
        offset += size
    hand_weight = coef[offset:]
    payload: dict[str, Any] = {
        "format": cw.MODEL_FORMAT,
        "description": (
            "Check-worthiness classifier: binary TF-IDF word 1-2-grams and char 2-5-grams "
            "+ hand cues, linear SVM, Platt-calibrated. Scored by claims.nlp.checkworthiness."
        ),
        "attribution": cw.ATTRIBUTION,
        "features": config,
        "blocks": blocks,
        "hand": {
            "names": list(cw.HAND_FEATURE_NAMES),
            "mean": _round(featurizer.scaler.mean_, 8),
            "std": _round(featurizer.scaler.scale_, 8),
            "scale_factor": HAND_SCALE,
            "weight": _round(hand_weight, 8),
        },
        "bias": float(model.intercept_[0]),
        "calibration": {"method": "platt", "a": cal_a, "b": cal_b},
        "threshold": threshold,
        "training": {
            "date": started.strftime("%Y-%m-%d"),
            "data_file": data_path.name,
            "data_sha256": file_sha256(data_path),
            "n_sentences": len(records),
            "n_train": len(train_idx),
            "n_heldout": len(test_idx),
            "seed": seed,
            "test_fraction": test_fraction,
            "split": "stratified by label, duplicates grouped, random.Random(seed)",
            "classifier": f"LinearSVC(C={SVM_C})",
            "hand_scale": HAND_SCALE,
            "min_df": MIN_DF,
            "cv_folds": CV_FOLDS,
            "cv_average_precision": round(oof_ap, 4),
            "cv_best_f1": round(oof_f1, 4),
            "threshold_rule": "maximises out-of-fold F1 on the training part",
            "python": platform.python_version(),
            "scikit_learn": sklearn.__version__,
            "numpy": np.__version__,
        },
    }

    _write_model(payload, out_path)

    # Evaluate the file exactly as shipped, with the run-time scorer.
    shipped = cw.load_model(out_path)
    test_texts = [records[i]["text"] for i in test_idx]
    test_labels = [records[i]["label"] for i in test_idx]
    heldout = evaluate(shipped, test_texts, test_labels)
    metrics = {k: (round(v, 4) if isinstance(v, float) else v) for k, v in heldout.items()}
    payload["metrics"] = {
        "heldout": metrics,
        "targets": {"average_precision": TARGET_AP, "f1": TARGET_F1},
        "meets_targets": metrics["average_precision"] >= TARGET_AP and metrics["f1"] >= TARGET_F1,
    }
    _write_model(payload, out_path)

    say(
        f"held-out ({metrics['n']} sentences, {metrics['positives']} positive): "
        f"AP {metrics['average_precision']:.4f}  F1 {metrics['f1']:.4f}  "
        f"precision {metrics['precision']:.4f}  recall {metrics['recall']:.4f}  "
        f"threshold {metrics['threshold']:.4f}"
    )
    say(f"model written to {out_path} ({out_path.stat().st_size:,} bytes)")
    return metrics


def main(argv: Sequence[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(description="Train the check-worthiness model.")
    parser.add_argument("data_path", type=Path)
    parser.add_argument("out_path", type=Path, nargs="?", default=cw.MODEL_PATH)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args(argv)
    train(args.data_path, args.out_path, seed=args.seed)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
