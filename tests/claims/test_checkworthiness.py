"""The check-worthiness scorer (claims.nlp.checkworthiness) and its shipped model."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from claims.nlp import checkworthiness as cw
from claims.nlp import training

REPO_ROOT = Path(__file__).resolve().parents[2]
DATA_DIR = REPO_ROOT.parent / "shared" / "data"
DATA_FILE = DATA_DIR / "claimbuster" / "train.json"
needs_data = pytest.mark.skipif(
    not DATA_FILE.exists(),
    reason=f"ClaimBuster data not found at {DATA_FILE} (shared/data is absent beside the repo)",
)

# The bars on the internal held-out part (25 % positive, shipped threshold): the shipped
# light model's honest floor. It measures AP 0.855 and F1 0.760 there; on a held-out public
# benchmark split it was measured independently at AP 0.932 and F1 0.806.
TARGET_AP = 0.85
TARGET_F1 = 0.75
# A regression floor a little below what it measures, for the recorded figures.
FLOOR_AP = 0.84
FLOOR_F1 = 0.74

FACTUAL = "Unemployment fell to 4.1 percent in 2017, the lowest rate since 2000."
GREETING = "Thank you very much, it's great to be here tonight."
OPINION = "I think we need to do better, and I believe we will."


def recorded_heldout() -> dict:
    return cw.model_info()["metrics"]["heldout"]


def test_scores_are_floats_between_zero_and_one_one_per_input():
    sentences = [FACTUAL, GREETING, OPINION, "What?", "x" * 5000]
    scores = cw.score_sentences(sentences)
    assert len(scores) == len(sentences)
    assert all(isinstance(s, float) and 0.0 <= s <= 1.0 for s in scores)


def test_an_empty_list_gives_an_empty_list():
    assert cw.score_sentences([]) == []


def test_an_empty_or_blank_string_still_gets_a_valid_score():
    scores = cw.score_sentences(["", "   ", "\n"])
    assert len(scores) == 3
    assert all(0.0 <= s <= 1.0 for s in scores)


def test_non_ascii_text_is_scored_without_error():
    (score,) = cw.score_sentences(["Le chômage a baissé de 3 % en 2019 — 東京 ✓ \u00a0\u200b"])
    assert 0.0 <= score <= 1.0


def test_scores_are_deterministic_and_independent_of_batching():
    sentences = [FACTUAL, GREETING, OPINION]
    together = cw.score_sentences(sentences)
    alone = [cw.score_sentences([s])[0] for s in sentences]
    assert together == alone == cw.score_sentences(sentences)


def test_a_clearly_factual_numeric_claim_scores_above_the_default_threshold():
    (score,) = cw.score_sentences([FACTUAL])
    assert score > cw.DEFAULT_THRESHOLD


def test_a_greeting_and_an_opinion_score_below_the_default_threshold():
    greeting, opinion = cw.score_sentences([GREETING, OPINION])
    assert greeting < cw.DEFAULT_THRESHOLD
    assert opinion < cw.DEFAULT_THRESHOLD


def test_the_default_threshold_is_the_one_recorded_in_the_model_file():
    with gzip.open(cw.MODEL_PATH, "rt", encoding="utf-8") as handle:
        payload = json.load(handle)
    assert payload["threshold"] == cw.DEFAULT_THRESHOLD
    assert 0.0 < cw.DEFAULT_THRESHOLD < 1.0
    from claims.nlp.checkworthiness import DEFAULT_THRESHOLD

    assert DEFAULT_THRESHOLD == cw.DEFAULT_THRESHOLD


def test_model_info_reports_metrics_training_metadata_and_attribution():
    info = cw.model_info()
    assert info["attribution"] == cw.ATTRIBUTION
    assert "Zenodo doi 10.5281/zenodo.3609356" in info["attribution"]
    assert "CC BY 4.0" in info["attribution"]
    heldout = info["metrics"]["heldout"]
    for key in ("average_precision", "f1", "precision", "recall", "threshold"):
        assert 0.0 <= heldout[key] <= 1.0
    assert heldout["threshold"] == info["threshold"] == cw.DEFAULT_THRESHOLD
    assert len(info["training"]["data_sha256"]) == 64
    assert info["training"]["seed"] == training.DEFAULT_SEED


def test_model_info_is_a_copy_that_callers_cannot_corrupt():
    cw.model_info()["metrics"]["heldout"]["f1"] = -1
    assert cw.model_info()["metrics"]["heldout"]["f1"] >= 0


def test_the_attribution_file_ships_beside_the_model():
    text = (cw.MODEL_PATH.parent / "ATTRIBUTION.md").read_text(encoding="utf-8")
    assert cw.ATTRIBUTION in text


def test_the_model_file_is_small_and_loads_in_well_under_a_second():
    assert cw.MODEL_PATH.stat().st_size < 2_000_000
    started = time.perf_counter()
    model = cw.load_model()
    assert time.perf_counter() - started < 1.0
    assert model.threshold == cw.DEFAULT_THRESHOLD


def test_the_fast_scorer_agrees_with_the_reference_feature_definition():
    model = cw.load_model()
    sentences = [
        FACTUAL,
        GREETING,
        OPINION,
        "",
        "  \t ",
        "$5 5% ?! I I'm MY",
        "The the the the the, the the.",
        'In 1984, President Reagan said: "We cut taxes by 25 percent" -- didn\'t he?',
    ]
    for sentence in sentences:
        assert model.decision(sentence) == pytest.approx(
            model.reference_decision(sentence), abs=1e-9
        )


def test_scoring_loads_the_model_lazily_and_imports_no_heavy_library():
    code = (
        "import sys\n"
        "import claims.nlp.checkworthiness as cw\n"
        "assert cw._model is None, 'model loaded at import time'\n"
        "cw.score_sentences(['The deficit doubled in 2009.'])\n"
        "assert cw._model is not None\n"
        "heavy = {'sklearn', 'scipy', 'torch', 'django'} & set(sys.modules)\n"
        "assert not heavy, heavy\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr


def test_a_model_file_of_another_format_is_refused(tmp_path):
    path = tmp_path / "model.json.gz"
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        json.dump({"format": "something-else/9"}, handle)
    with pytest.raises(ValueError, match="unsupported"):
        cw.load_model(path)


def test_average_precision_matches_a_worked_example():
    # Ranked: 1 (P=1/1), 0, 1 (P=2/3), 0 -> AP = (1 + 2/3) / 2.
    assert training.average_precision([1, 0, 1, 0], [0.9, 0.8, 0.7, 0.1]) == pytest.approx(5 / 6)
    # Tied scores form a single step.
    assert training.average_precision([1, 0], [0.5, 0.5]) == pytest.approx(0.5)


def test_threshold_metrics_count_a_score_equal_to_the_threshold_as_positive():
    metrics = training.threshold_metrics([1, 1, 0, 0], [0.5, 0.2, 0.5, 0.1], threshold=0.5)
    assert metrics == pytest.approx({"precision": 0.5, "recall": 0.5, "f1": 0.5})


def test_the_split_is_stratified_reproducible_disjoint_and_keeps_duplicates_together():
    records = [{"text": f"s{i % 90}", "label": int(i % 4 == 0)} for i in range(100)]
    train, test = training.stratified_split(records, seed=7, test_fraction=0.2)
    assert (train, test) == training.stratified_split(records, seed=7, test_fraction=0.2)
    assert sorted(train + test) == list(range(100))
    assert not set(train) & set(test)
    assert {records[i]["text"] for i in train}.isdisjoint({records[i]["text"] for i in test})
    positives = sum(records[i]["label"] for i in test)
    assert 4 <= positives <= 6 and 18 <= len(test) <= 22


def test_the_recorded_heldout_metrics_meet_the_bars():
    heldout = recorded_heldout()
    assert heldout["average_precision"] >= TARGET_AP
    assert heldout["f1"] >= TARGET_F1


def test_the_recorded_heldout_metrics_stay_above_the_measured_floor():
    heldout = recorded_heldout()
    assert heldout["average_precision"] >= FLOOR_AP
    assert heldout["f1"] >= FLOOR_F1
    assert heldout["n"] == 1595 and heldout["positives"] == 399


@pytest.fixture(scope="module")
def heldout_evaluation():
    info = cw.model_info()["training"]
    texts, labels = training.holdout(DATA_FILE, info["seed"], info["test_fraction"])
    return training.evaluate(cw.load_model(), texts, labels)


@needs_data
def test_the_data_file_is_the_one_the_model_was_trained_on():
    assert training.file_sha256(DATA_FILE) == cw.model_info()["training"]["data_sha256"]


@needs_data
def test_re_evaluating_the_shipped_model_on_the_heldout_split_reproduces_its_record(
    heldout_evaluation,
):
    recorded = recorded_heldout()
    for key in ("average_precision", "f1", "precision", "recall"):
        assert heldout_evaluation[key] == pytest.approx(recorded[key], abs=6e-5)
    assert heldout_evaluation["n"] == recorded["n"]
    assert heldout_evaluation["average_precision"] >= FLOOR_AP
    assert heldout_evaluation["f1"] >= FLOOR_F1


@needs_data
def test_re_evaluating_the_shipped_model_on_the_heldout_split_meets_the_bars(heldout_evaluation):
    assert heldout_evaluation["average_precision"] >= TARGET_AP
    assert heldout_evaluation["f1"] >= TARGET_F1


@needs_data
def test_retraining_with_the_same_seed_reproduces_the_shipped_model(tmp_path):
    sklearn = pytest.importorskip("sklearn", reason="scikit-learn is a training-only dependency")
    out = tmp_path / "checkworthiness.json.gz"
    metrics = training.train(DATA_FILE, out, seed=training.DEFAULT_SEED, verbose=False)
    recorded = recorded_heldout()
    same_version = sklearn.__version__ == cw.model_info()["training"]["scikit_learn"]
    tolerance = 1e-4 if same_version else 0.01
    for key in ("average_precision", "f1", "precision", "recall", "threshold"):
        assert metrics[key] == pytest.approx(recorded[key], abs=tolerance)
    retrained = cw.load_model(out)
    assert retrained.info["metrics"]["heldout"]["average_precision"] >= FLOOR_AP
    if same_version:
        with gzip.open(out, "rt", encoding="utf-8") as a, gzip.open(cw.MODEL_PATH, "rt") as b:
            new, shipped = json.load(a), json.load(b)
        for payload in (new, shipped):
            payload["training"].pop("date")
        # The Platt fit's last bits depend on the machine's floating point (measured:
        # 2e-16 apart on two machines with the same versions).
        new_fit, shipped_fit = new.pop("calibration"), shipped.pop("calibration")
        for key in ("a", "b"):
            assert new_fit.pop(key) == pytest.approx(shipped_fit.pop(key), rel=1e-9)
        assert new_fit == shipped_fit
        assert new == shipped
