"""``manage.py kubeconfig --cluster NAME [--user NAME]``: a kubeconfig that works as is."""
from __future__ import annotations

import base64

import yaml
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from clusterviz import tls
from clusterviz.clusters.bootstrap import user_token
from clusterviz.clusters.models import Cluster


def api_origin() -> str:
    """``https://host:port`` of the Kubernetes API as kubeconfigs name it (the certificate's host)."""
    host = settings.CLUSTERVIZ_PUBLIC_HOST
    return f"https://{f'[{host}]' if ':' in host else host}:{settings.CLUSTERVIZ_HTTPS_PORT}"


def kubeconfig(cluster: Cluster, user: str | None = None, server: str | None = None,
               namespace: str = "default") -> dict:
    """A kubeconfig for ``user`` (the admin without one) whose context starts in ``namespace``
    (a student's own: ``kubectl get pods`` then lists theirs, not ``default`` where they may not)."""
    certs = tls.ensure_certificates(settings.DATA_DIR / "pki", tls.default_hosts(settings.CLUSTERVIZ_PUBLIC_HOST))
    token = user_token(cluster, user)
    server = server or api_origin()
    user_name = f"{token.user}@{cluster.name}"
    context = f"{cluster.name}" if user is None else f"{token.user}@{cluster.name}"
    return {
        "apiVersion": "v1", "kind": "Config", "preferences": {}, "current-context": context,
        "clusters": [{"name": cluster.name, "cluster": {
            "server": f"{server}/clusters/{cluster.name}",
            "certificate-authority-data": base64.b64encode(certs.ca_cert.read_bytes()).decode()}}],
        "users": [{"name": user_name, "user": {"token": token.token}}],
        "contexts": [{"name": context, "context": {"cluster": cluster.name, "user": user_name,
                                                   "namespace": namespace}}],
    }


class Command(BaseCommand):
    help = ("Print a kubeconfig for a cluster: its admin (group system:masters) by default, or --user NAME, "
            "whose token is created if missing and who holds no permissions until a binding grants them.")

    def add_arguments(self, parser) -> None:  # type: ignore[no-untyped-def]
        parser.add_argument("--cluster", default="demo")
        parser.add_argument("--user", default=None)
        parser.add_argument("--server", default=None, help="Override the https://host:port written in it.")
        parser.add_argument("--namespace", default="default", help="The context's namespace.")

    def handle(self, *args, **options) -> None:  # type: ignore[no-untyped-def]
        cluster = Cluster.objects.filter(name=options["cluster"]).first()
        if cluster is None:
            raise CommandError(f'cluster "{options["cluster"]}" does not exist (python manage.py up creates demo)')
        config = kubeconfig(cluster, options["user"], options["server"], options["namespace"])
        self.stdout.write(yaml.safe_dump(config, sort_keys=False), ending="")
