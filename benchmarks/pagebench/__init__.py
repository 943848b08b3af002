"""Support for ``benchmarks/pages.py`` (a package, so ``make bench`` does not run it as a
benchmark). Imported as ``pagebench`` with ``benchmarks/`` on the path: pySBD installs a
top-level ``benchmarks`` package that would shadow ours."""
