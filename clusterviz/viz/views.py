"""The cluster page. Everything it shows comes from the cluster's Kubernetes API, the
simulation control API (``/clusters/NAME/sim/``) and the websocket (:mod:`.consumers`);
the view only hands the page its configuration and the user's cluster token."""
from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.csrf import ensure_csrf_cookie

from clusterviz.clusters import pageagent
from clusterviz.clusters.models import Cluster

from .consumers import WATCHABLE
from .identity import cluster_identity, token_for


@login_required
@ensure_csrf_cookie
def cluster_page(request: HttpRequest, name: str) -> HttpResponse:
    cluster = get_object_or_404(Cluster, name=name)
    user, groups = cluster_identity(request.user)
    config = {
        "cluster": cluster.name,
        "apiBase": f"/clusters/{cluster.name}",
        "simBase": f"/clusters/{cluster.name}/sim",
        "wsPath": f"/ws/clusters/{cluster.name}/",
        "token": token_for(cluster, request.user).token,
        "user": user,
        "groups": groups,
        "resources": WATCHABLE,
        "pageHeader": pageagent.PAGE_HEADER,
    }
    return render(request, "viz/cluster.html", {"cluster": cluster, "config": config})
