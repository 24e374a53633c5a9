"""Where a lesson played on a cluster's page stands (:mod:`.lessons`)."""
from __future__ import annotations

from django.db import models

from clusterviz.clusters.models import Cluster


class LessonRun(models.Model):
    """The lesson a cluster's page is walking through: saved, so a reload, another viewer or a
    restarted server finds the same step, and "back" finds the revision each step began at."""

    cluster = models.OneToOneField(Cluster, on_delete=models.CASCADE, related_name="lesson")
    #: The shipped scenario's id (``deployment-chain``).
    scenario = models.CharField(max_length=100)
    #: The step shown, from 0.
    position = models.PositiveIntegerField(default=0)
    #: The steps whose actions have run.
    ran = models.JSONField(default=list)
    #: The cluster's revision when each step was first shown, by step index (a string: JSON keys).
    revisions = models.JSONField(default=dict)
    started_by = models.CharField(max_length=253, blank=True)
    started = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.scenario} on {self.cluster.name}, step {self.position + 1}"
