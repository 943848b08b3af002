# Run as: taskset -c 0 venv/bin/python bench_ft.py   (fresh process; one core, one thread)
import time

from common import WORK, split

t0 = time.perf_counter()
import os

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
import torch

torch.set_num_threads(1)
from transformers import AutoModelForSequenceClassification, AutoTokenizer

t1 = time.perf_counter()
tok = AutoTokenizer.from_pretrained(WORK / "ft_model")
model = AutoModelForSequenceClassification.from_pretrained(WORK / "ft_model").eval()
t2 = time.perf_counter()
print(
    f"imports {t1 - t0:.2f}s  model load {t2 - t1:.2f}s  total to ready {t2 - t0:.2f}s", flush=True
)

recs, tr, te = split()
texts = [recs[i]["text"] for i in te]


def run(texts):
    order = sorted(
        range(len(texts)), key=lambda i: len(texts[i])
    )  # length-sorted batches, like sentence-transformers
    with torch.inference_mode():
        for i in range(0, len(order), 64):
            enc = tok(
                [texts[j] for j in order[i : i + 64]],
                truncation=True,
                max_length=64,
                padding=True,
                return_tensors="pt",
            )
            _ = model(**enc).logits


run(texts[:64])
for rep in range(2):
    t = time.perf_counter()
    run(texts)
    dt = time.perf_counter() - t
    print(
        f"rep {rep}: {len(texts)} sentences in {dt:.2f}s -> {len(texts) / dt:.0f} sentences/s (1 thread, batch 64, max_len 64)",
        flush=True,
    )
