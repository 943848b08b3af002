# Logistic regression on MiniLM embeddings, alone and concatenated with the project's score.
import json

import numpy as np
from common import WORK, report, split
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict

from claims.nlp import checkworthiness as cw
from claims.nlp import training as T

recs, tr, te = split()
y = np.array([r["label"] for r in recs])
ytr, yte = y[tr], y[te]
E = np.load(WORK / "emb.npy")
Xtr, Xte = E[tr], E[te]
skf = StratifiedKFold(n_splits=5, shuffle=True, random_state=42)
results = []

# --- C chosen by 5-fold CV AP on the training part only
best = None
for C in (0.3, 1.0, 3.0, 10.0, 30.0):
    oof = cross_val_predict(
        LogisticRegression(C=C, max_iter=5000), Xtr, ytr, cv=skf, method="decision_function"
    )
    ap = T.average_precision(ytr.tolist(), oof.tolist())
    print("emb LR C", C, "cv AP", round(ap, 4), flush=True)
    if best is None or ap > best[0]:
        best = (ap, C, oof)
_, C, oof = best
clf = LogisticRegression(C=C, max_iter=5000).fit(Xtr, ytr)
results.append(report(f"MiniLM emb + LR (C={C})", ytr, oof, yte, clf.decision_function(Xte)))

# --- project score as a feature.
# Training part: out-of-fold decisions reproduced with the project's own featurizer/SVM and the
# same folds as training.py (StratifiedKFold(5, shuffle, seed 42)); held-out: the shipped model via
# claims.nlp.score_sentences, converted back to a decision-scale logit.
texts_tr = [recs[i]["text"] for i in tr]
ext = [cw.extract_features(t, T.FEATURE_CONFIG) for t in texts_tr]
proj_oof = np.zeros(len(tr))
for fit_rows, val_rows in StratifiedKFold(n_splits=5, shuffle=True, random_state=42).split(
    np.zeros(len(ytr)), ytr
):
    f = T._Featurizer()
    mdl = T._fit_svm(f.fit_transform([ext[i] for i in fit_rows]), ytr[fit_rows], 42)
    proj_oof[val_rows] = mdl.decision_function(f.transform([ext[i] for i in val_rows]))
info = cw.default_model()
proj_oof_logit = info._cal_a * proj_oof + info._cal_b
print(
    "project OOF AP (should match recorded cv AP 0.8539):",
    round(T.average_precision(ytr.tolist(), proj_oof_logit.tolist()), 4),
)
p_te = np.array(cw.score_sentences([recs[i]["text"] for i in te]))
p_te = np.clip(p_te, 1e-12, 1 - 1e-12)
proj_te_logit = np.log(p_te / (1 - p_te))
results.append(
    report(
        "shipped project model (reference, its stored threshold not used)",
        ytr,
        proj_oof_logit,
        yte,
        proj_te_logit,
    )
)

Ztr = np.hstack([Xtr, proj_oof_logit[:, None]])
Zte = np.hstack([Xte, proj_te_logit[:, None]])
best = None
for C in (0.3, 1.0, 3.0, 10.0):
    # inner CV on the training part: project feature is itself OOF, so no leakage of labels
    oof = cross_val_predict(
        LogisticRegression(C=C, max_iter=5000), Ztr, ytr, cv=skf, method="decision_function"
    )
    ap = T.average_precision(ytr.tolist(), oof.tolist())
    print("concat LR C", C, "cv AP", round(ap, 4), flush=True)
    if best is None or ap > best[0]:
        best = (ap, C, oof)
_, C, oof = best
clf = LogisticRegression(C=C, max_iter=5000).fit(Ztr, ytr)
results.append(
    report(f"MiniLM emb + project score + LR (C={C})", ytr, oof, yte, clf.decision_function(Zte))
)
with open(WORK / "lr_results.json", "w") as out:
    json.dump(results, out, indent=1)
