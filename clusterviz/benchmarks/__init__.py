"""Benchmarks run by ``python manage.py bench <name>``; each module exposes ``run(options) -> str``."""
