"""Check-worthiness beyond English (issue 20): the models trained on the CheckThat! lab's
tweets, their held-out figures, the bar a language must clear to be scored, and the training
code they come from."""

from __future__ import annotations

import gzip
import json

import pytest

from claims.nlp import checkworthiness as cw
from claims.nlp import training

LANGUAGES = sorted(p.name for p in training.CHECKTHAT_DATA.iterdir() if p.is_dir())


def _model_path(language: str):
    return cw.language_model_path(language)


def test_every_language_with_data_has_a_model_file_and_the_shipped_ones_are_mapped():
    assert LANGUAGES, "no CheckThat! data in benchmarks/data/checkthat/"
    for language in LANGUAGES:
        assert _model_path(language).exists(), language
    assert set(cw.TRAINED_LANGUAGES) <= set(LANGUAGES)
    for language in cw.TRAINED_LANGUAGES:
        assert cw.MODEL_PATHS[language] == _model_path(language)
        assert cw.has_model(language) and cw.has_model(f"{language}-XX".lower())
    # A language without a model stays unscored rather than borrowing the English one.
    for language in ("fr", "de", "it", "zh", ""):
        assert not cw.has_model(language)
        if language:
            with pytest.raises(LookupError):
                cw.score_sentences(["Une phrase."], language=language)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_data_files_are_the_ones_the_model_was_trained_and_measured_on(language):
    info = cw.load_model(_model_path(language)).info
    folder = training.CHECKTHAT_DATA / language
    assert training.file_sha256(folder / "train.tsv") == info["training"]["data_sha256"]
    assert training.file_sha256(folder / "heldout.tsv") == info["training"]["heldout_sha256"]
    assert info["training"]["language"] == language
    assert "CheckThat!" in info["attribution"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_scoring_the_heldout_file_again_reproduces_the_recorded_figures(language):
    model = cw.load_model(_model_path(language))
    records = training.load_tsv(training.CHECKTHAT_DATA / language / "heldout.tsv")
    metrics = training.evaluate(model, [r["text"] for r in records], [r["label"] for r in records])
    recorded = model.info["metrics"]["heldout"]
    for key in ("average_precision", "f1", "precision", "recall"):
        assert metrics[key] == pytest.approx(recorded[key], abs=6e-5)
    assert (metrics["n"], metrics["positives"]) == (recorded["n"], recorded["positives"])
    # The held-out file is not the training file, nor does it repeat its texts.
    assert model.info["training"]["heldout_overlap"] == 0
    # Whether it ships follows the bar, decided on these figures.
    assert training.adequate(metrics) == (language in cw.TRAINED_LANGUAGES)


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_language_model_ranks_its_heldout_items_better_than_the_english_model(language):
    records = training.load_tsv(training.CHECKTHAT_DATA / language / "heldout.tsv")
    texts, labels = [r["text"] for r in records], [r["label"] for r in records]
    own = training.average_precision(labels, cw.load_model(_model_path(language)).score(texts))
    english = training.average_precision(labels, cw.model_for("en").score(texts))
    assert own > english


@pytest.mark.parametrize("language", LANGUAGES)
def test_scores_are_probabilities_one_per_sentence_whatever_the_input(language):
    model = cw.load_model(_model_path(language))
    sentences = ["", "   ", "x" * 5000, "١٢٣ 45 % ?", "Çok güzel.", "¿Quién lo dijo?"]
    scores = model.score(sentences)
    assert len(scores) == len(sentences)
    assert all(isinstance(s, float) and 0.0 <= s <= 1.0 for s in scores)
    assert 0.0 < model.threshold < 1.0


def test_the_threshold_is_each_languages_own_and_the_setting_moves_english_only(settings):
    from claims.services import checkworthiness_threshold

    settings.FACTCHECK_CHECKWORTHINESS_THRESHOLD = None
    assert checkworthiness_threshold("en") == cw.model_for("en").threshold
    settings.FACTCHECK_CHECKWORTHINESS_THRESHOLD = 0.77
    assert checkworthiness_threshold("en-gb") == 0.77
    for language in cw.TRAINED_LANGUAGES:
        assert checkworthiness_threshold(language) == cw.model_for(language).threshold
    # No model: the English figure (nothing is scored in that language anyway).
    assert checkworthiness_threshold("fr") == 0.77


def test_model_info_names_the_language_model():
    for language in cw.TRAINED_LANGUAGES:
        info = cw.model_info(language)
        assert info["training"]["language"] == language
        info["metrics"]["heldout"]["f1"] = -1  # a copy: the cached model is untouched
        assert cw.model_info(language)["metrics"]["heldout"]["f1"] >= 0
    assert "ClaimBuster" in cw.model_info()["attribution"]


# ----------------------------------------------------------------------------- the data


def test_tweet_text_removes_links_and_collapses_spaces():
    assert training.tweet_text("Dato:  12 %\nhttps://t.co/AbC http://x.y/z?q=1 fin &amp; más") == (
        "Dato: 12 % fin & más"
    )
    assert training.tweet_text("https://t.co/only") == ""


def test_load_tsv_reads_id_text_label_and_refuses_anything_else(tmp_path):
    good = tmp_path / "good.tsv"
    good.write_text("id\ttext\tlabel\n1\tUno https://t.co/x\t1\n2\tDos\t0\n", encoding="utf-8")
    assert training.load_tsv(good) == [
        {"sentence_id": "1", "label": 1, "text": "Uno"},
        {"sentence_id": "2", "label": 0, "text": "Dos"},
    ]
    for bad_line in ("3\tTres\tYes\n", "4\tCuatro\n", "5\ta\tb\t1\n"):
        bad = tmp_path / "bad.tsv"
        bad.write_text("1\tUno\t1\n" + bad_line, encoding="utf-8")
        with pytest.raises(ValueError, match=r"bad\.tsv:2"):
            training.load_tsv(bad)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_data_files_are_well_formed(language):
    folder = training.CHECKTHAT_DATA / language
    train = training.load_tsv(folder / "train.tsv")
    heldout = training.load_tsv(folder / "heldout.tsv")
    for records in (train, heldout):
        ids = [r["sentence_id"] for r in records]
        assert len(ids) == len(set(ids)) and all(i.isdigit() for i in ids)
        assert 0 < sum(r["label"] for r in records) < len(records)
    assert not {r["sentence_id"] for r in train} & {r["sentence_id"] for r in heldout}


def test_adequate_is_the_stated_bar():
    assert training.adequate({"average_precision": 0.45, "positives": 10, "n": 100})
    assert not training.adequate({"average_precision": 0.39, "positives": 5, "n": 100})
    # Above the floor but not a third of the way from a random ranking to a perfect one.
    assert training.adequate_bar({"positives": 75, "n": 100}) == pytest.approx(0.8333, abs=1e-4)
    assert not training.adequate({"average_precision": 0.8, "positives": 75, "n": 100})
    assert training.adequate({"average_precision": 0.84, "positives": 75, "n": 100})


def test_train_language_writes_a_model_the_run_time_scorer_reads(tmp_path):
    pytest.importorskip("sklearn", reason="scikit-learn is a training-only dependency")
    rows = []
    for i in range(60):
        rows.append(f"{2 * i}\tEl gasto subió un {i + 3} por ciento en {2000 + i}.\t1")
        rows.append(f"{2 * i + 1}\tQué bonito día, saludos a todos {'!' * (i % 3 + 1)}\t0")
    train = tmp_path / "train.tsv"
    train.write_text("\n".join(rows[:100]) + "\n", encoding="utf-8")
    heldout = tmp_path / "heldout.tsv"
    heldout.write_text("\n".join(rows[100:]) + "\n", encoding="utf-8")
    out = tmp_path / "m.json.gz"
    metrics = training.train_language(
        "es", train, heldout, out, attribution=training.checkthat_attribution("es"), verbose=False
    )
    assert metrics["average_precision"] == pytest.approx(1.0)
    with gzip.open(out, "rt", encoding="utf-8") as handle:
        payload = json.load(handle)
    assert payload["training"]["language"] == "es"
    assert payload["training"]["n_train"] == 100 and payload["training"]["n_heldout"] == 20
    assert payload["metrics"]["heldout"]["n"] == 20
    model = cw.load_model(out)
    [high, low] = model.score(["El paro bajó un 7 por ciento en 2021.", "Saludos a todos!"])
    assert high > 0.5 > low
