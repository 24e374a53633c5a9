"""Pages. The home page lists the clusters with what a learner needs to reach each one."""
from __future__ import annotations

from django.conf import settings
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from clusterviz.clusters.models import Cluster


def home(request: HttpRequest) -> HttpResponse:
    clusters = Cluster.objects.annotate(objects=Count("object_records")).order_by("name")
    api_base = f"https://{settings.CLUSTERVIZ_PUBLIC_HOST}:{settings.CLUSTERVIZ_HTTPS_PORT}"
    return render(request, "dashboard/home.html", {"clusters": clusters, "api_base": api_base})
