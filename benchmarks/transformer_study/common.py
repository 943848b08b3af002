"""The project's own held-out split (stratified 20 %, seed 42) and metrics, for the study."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from claims.nlp.training import (
    average_precision,
    best_f1_threshold,
    load_records,
    stratified_split,
    threshold_metrics,
)

DATA = ROOT.parent / "shared" / "data" / "claimbuster" / "train.json"
HERE = Path(__file__).resolve().parent
WORK = HERE / "work"  # embeddings, the fine-tuned model, results (git-ignored)
WORK.mkdir(exist_ok=True)


def split():
    recs = load_records(DATA)
    tr, te = stratified_split(recs, 42, 0.2)
    return recs, tr, te


def report(name, ytr_oof, s_oof, yte, s_te):
    """Threshold chosen on training-part scores; held-out metrics at that threshold."""
    thr, oof_f1 = best_f1_threshold(list(map(int, ytr_oof)), list(map(float, s_oof)))
    m = threshold_metrics(list(map(int, yte)), list(map(float, s_te)), thr)
    ap = average_precision(list(map(int, yte)), list(map(float, s_te)))
    _, opt_f1 = best_f1_threshold(list(map(int, yte)), list(map(float, s_te)))
    oof_ap = average_precision(list(map(int, ytr_oof)), list(map(float, s_oof)))
    r = {
        "method": name,
        "train_cv_ap": round(oof_ap, 4),
        "train_cv_f1": round(oof_f1, 4),
        "threshold": thr,
        "heldout_ap": round(ap, 4),
        "heldout_f1": round(m["f1"], 4),
        "heldout_p": round(m["precision"], 4),
        "heldout_r": round(m["recall"], 4),
        "heldout_best_f1_optimistic": round(opt_f1, 4),
    }
    print(r, flush=True)
    return r
