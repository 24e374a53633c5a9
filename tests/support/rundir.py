"""Loaded first (``-p tests.support.rundir`` in pytest's options): the run writes its
database, certificates, generated secret and screenshots to a temporary folder rather than
into the checkout. Django's settings are read before any conftest, hence a plugin: it sets
``CLUSTERVIZ_DATA_DIR`` before pytest-django imports them. Set the variables yourself to keep
a run's output somewhere else."""
from __future__ import annotations

import atexit
import os
import shutil
import tempfile

if "CLUSTERVIZ_DATA_DIR" not in os.environ:
    _data = tempfile.mkdtemp(prefix="clusterviz-test-data-")
    os.environ["CLUSTERVIZ_DATA_DIR"] = _data
    atexit.register(shutil.rmtree, _data, ignore_errors=True)
# screenshots are kept after the run (their folder is printed at the end) for a person to look at
os.environ.setdefault("CLUSTERVIZ_ARTIFACTS_DIR", os.path.join(tempfile.gettempdir(), "clusterviz-artifacts"))
