"""Pages. The home page lists the clusters with what a learner needs to reach each one, and
offers staff the "new cluster" form (:mod:`clusterviz.clusters.forms`)."""
from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from clusterviz.clusters import forms
from clusterviz.clusters.models import Cluster


def home(request: HttpRequest) -> HttpResponse:
    staff = request.user.is_authenticated and request.user.is_staff
    new_cluster = forms.blank_forms() if staff else None
    if request.method == "POST":
        if not staff:
            raise PermissionDenied("only staff may create clusters")
        form, nodes = new_cluster = forms.bound_forms(request.POST)
        if form.is_valid() and nodes.is_valid():
            cluster = forms.create(form, nodes)
            if cluster is not None:
                messages.success(request, f"Cluster {cluster.name!r} created with {len(nodes.specs())} nodes: "
                                          "its control plane and kubelets start within a second.")
                return redirect(f"{reverse('home')}#cluster-{cluster.name}")
    clusters = Cluster.objects.annotate(objects=Count("object_records")).order_by("name")
    api_base = f"https://{settings.CLUSTERVIZ_PUBLIC_HOST}:{settings.CLUSTERVIZ_HTTPS_PORT}"
    form, nodes = new_cluster or (None, None)
    return render(request, "dashboard/home.html", {"clusters": clusters, "api_base": api_base,
                                                   "form": form, "nodes": nodes})
