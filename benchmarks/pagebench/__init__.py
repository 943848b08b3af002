"""Support for ``benchmarks/pages.py`` (a package, so ``make bench`` does not run it as a
benchmark). Imported as ``pagebench`` with ``benchmarks/`` on the path: pySBD installs a
top-level ``benchmarks`` package that would shadow ours.

``config`` (addresses, paths), ``layout`` (every name that depends on where the project keeps
its apps: the audit log, the reader site), ``seed`` (the database and its data set),
``scenarios`` (what is requested), ``load`` (the open-loop generator and latency statistics),
``server`` (gunicorn, the reader cache, CPU accounting), ``report`` (what is printed) and
``settings`` (the Django settings the benchmark serves under).
"""
