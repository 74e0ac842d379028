"""Load benchmarks against gunicorn: `make bench` (full) and `make bench-smoke` (CI)."""
