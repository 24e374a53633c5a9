"""io.k8s.api.batch.v1: Job and CronJob."""
from __future__ import annotations

SCHEMAS: dict = {}
