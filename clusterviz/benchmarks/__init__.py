"""Benchmarks run by ``python manage.py bench <name>``, one module each (``controlplane``
holds two); the command's ``BENCHMARKS`` dict names every one (see docs/benchmarks.md)."""
