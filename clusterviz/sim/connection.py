"""How a terminal command reaches a cluster of the running server (``manage.py up``): the base
URL (HTTPS, trusting the cluster's CA, when the server serves only that:
``CLUSTERVIZ_HTTPS_ONLY``), the TLS context and the cluster admin's bearer token. ``manage.py
sim`` and ``manage.py scenario run --cluster`` both use it.
"""
from __future__ import annotations

import ssl
from dataclasses import dataclass

from django.conf import settings
from django.core.management.base import CommandError

from clusterviz import tls
from clusterviz.clusters.bootstrap import user_token
from clusterviz.clusters.models import Cluster


@dataclass
class Connection:
    cluster: str
    base: str
    token: str
    context: ssl.SSLContext | None

    def url(self, path: str) -> str:
        """``path`` under the cluster's prefix: ``/api/v1/pods``, ``/sim/state``."""
        return f"{self.base}/clusters/{self.cluster}{path}"

    def unreachable(self, reason: object) -> CommandError:
        return CommandError(f"cannot reach the server at {self.base} ({reason}): is `manage.py up` running?")


def connect(cluster_name: str, server: str = "") -> Connection:
    cluster = Cluster.objects.filter(name=cluster_name).first()
    if cluster is None:
        raise CommandError(f"no cluster named {cluster_name!r}")
    base = server or (f"https://127.0.0.1:{settings.CLUSTERVIZ_HTTPS_PORT}" if settings.CLUSTERVIZ_HTTPS_ONLY
                      else f"http://127.0.0.1:{settings.CLUSTERVIZ_HTTP_PORT}")
    context = None
    if base.startswith("https:"):
        certs = tls.ensure_certificates(settings.DATA_DIR / "pki", tls.default_hosts(settings.CLUSTERVIZ_PUBLIC_HOST))
        context = ssl.create_default_context(cafile=str(certs.ca_cert))
    return Connection(cluster.name, base.rstrip("/"), user_token(cluster).token, context)
