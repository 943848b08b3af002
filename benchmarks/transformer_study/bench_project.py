# Shipped light model, for reference: taskset -c 0 python3 bench_project.py (system python, fresh process)
import time

t0 = time.perf_counter()
from common import DATA, ROOT  # noqa: F401 (puts the project on sys.path)

from claims.nlp import checkworthiness as cw
from claims.nlp.training import load_records, stratified_split

t1 = time.perf_counter()
m = cw.default_model()
t2 = time.perf_counter()
print(f"import {t1 - t0:.3f}s  load {t2 - t1:.3f}s")
recs = load_records(DATA)
_, te = stratified_split(recs, 42, 0.2)
texts = [recs[i]["text"] for i in te]
for rep in range(3):
    m.clear_caches()
    t = time.perf_counter()
    m.score(texts)
    dt = time.perf_counter() - t
    print(f"cold-cache rep {rep}: {len(texts) / dt:.0f} sentences/s")
