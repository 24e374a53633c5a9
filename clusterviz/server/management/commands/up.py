"""``manage.py up``: migrate, create the demo cluster if missing, and serve everything.

One process serves the browser side on plain HTTP and the Kubernetes API on both HTTP and
HTTPS (kubectl only sends tokens over TLS), through daphne's endpoint strings; with
``CLUSTERVIZ_HTTPS_ONLY`` the HTTPS listener serves everything and the HTTP one redirects there.
daphne runs with this project's HTTP/1.1 channel (``clusterviz.server.protocol``): header and
idle timeouts, and refusals that answer and close on both listeners.

``up --classroom`` is the same server for a room of laptops in one flag: it finds the
machine's LAN address (``--address`` to choose), and starts again with the settings a class
needs — listening on every interface (``--bind``), that address in the certificate and every
kubeconfig, the page over HTTPS only (students' browsers carry a bearer token) and the address
allowed as a host — then opens a class session on the cluster (or keeps the open one) and
prints its join URL, its code in large type and a QR code. Settings are read once at start,
so the flag sets them in the environment of a fresh process rather than patching a live one.
"""
from __future__ import annotations

import logging
import os
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from clusterviz import tls
from clusterviz.classroom import lan
from clusterviz.classroom.management.commands.classroom import announce
from clusterviz.classroom.sessions import open_session_for
from clusterviz.clusters.bootstrap import ensure_cluster
from clusterviz.clusters.topology import demo_state
from clusterviz.sim import host as kernel_hosts


class Command(BaseCommand):
    help = "Migrate, create the demo cluster if missing, and serve HTTP and HTTPS."

    def add_arguments(self, parser) -> None:  # type: ignore[no-untyped-def]
        parser.add_argument("--cluster", default="demo", help="Cluster to create if missing.")
        parser.add_argument("--no-serve", action="store_true", help="Prepare everything, then exit.")
        parser.add_argument("--classroom", action="store_true",
                            help="Serve a class on the LAN: HTTPS on the LAN address, a session's join code.")
        parser.add_argument("--address", default=None,
                            help="With --classroom: the address students reach (default: the LAN address found).")
        parser.add_argument("--bind", default="0.0.0.0",
                            help="With --classroom: the interface to listen on (default: all).")
        parser.add_argument("--session", default="class",
                            help="With --classroom: the session to open if the cluster has none open.")

    def _as_classroom(self, options: dict) -> None:
        """Start again with a classroom's settings (this process read its settings already)."""
        address = options["address"] or lan.lan_address()
        if not address:
            raise CommandError("no LAN address found (is the network up?): pass --address ADDRESS")
        hosts = [h for h in os.environ.get("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]").split(",") if h]
        bracketed = f"[{address}]" if ":" in address else address
        env = {**os.environ, "CLUSTERVIZ_CLASSROOM": "1", "CLUSTERVIZ_BIND": options["bind"],
               "CLUSTERVIZ_PUBLIC_HOST": address, "CLUSTERVIZ_HTTPS_ONLY": "1",
               "ALLOWED_HOSTS": ",".join(dict.fromkeys([bracketed, *hosts]))}
        sys.stdout.flush()
        os.execvpe(sys.executable, [sys.executable, *sys.argv], env)

    def _hosting(self, host: kernel_hosts.KernelHost) -> None:
        self.stdout.write(f"  simulation:     cluster {host.name!r} runs {len(host.sim.components)} components "
                          f"({host.sim.pacer.mode}, {host.sim.pacer.speed:g}x)\n")
        self.stdout.flush()

    def handle(self, *args, **options) -> None:  # type: ignore[no-untyped-def]
        if options["classroom"] and not os.environ.get("CLUSTERVIZ_CLASSROOM"):
            self._as_classroom(options)
        call_command("migrate", interactive=False, verbosity=0)
        simulated = settings.CLUSTERVIZ_SIMULATION
        cluster = ensure_cluster(options["cluster"], sim_state=demo_state(
            behind_live_seconds=settings.CLUSTERVIZ_HEADROOM_SECONDS) if simulated else None)
        if simulated and not cluster.sim_state.get("enabled"):
            cluster.sim_state = demo_state()  # its objects carry wall-clock times: no head-room
            cluster.save(update_fields=["sim_state"])
        certs = tls.ensure_certificates(settings.DATA_DIR / "pki", tls.default_hosts(settings.CLUSTERVIZ_PUBLIC_HOST))
        bind, http, https = settings.CLUSTERVIZ_BIND, settings.CLUSTERVIZ_HTTP_PORT, settings.CLUSTERVIZ_HTTPS_PORT
        host = settings.CLUSTERVIZ_PUBLIC_HOST
        browser = (f"https://{settings.SECURE_SSL_HOST}/ (http://{host}:{http}/ redirects there)"
                   if settings.CLUSTERVIZ_HTTPS_ONLY else f"http://{host}:{http}/")
        self.stdout.write(
            f"clusterviz: cluster {cluster.name!r} ready\n"
            f"  browser:        {browser}\n"
            f"  Kubernetes API: https://{host}:{https}/clusters/{cluster.name}\n"
            f"  kubectl:        python manage.py kubeconfig --cluster {cluster.name} > kubeconfig && "
            f"kubectl --kubeconfig kubeconfig get ns\n")
        if options["classroom"]:
            session = open_session_for(cluster, options["session"])
            self.stdout.write(f"  CA certificate: {lan.page_origin()}/classroom/ca.crt (browsers import it once)\n\n"
                              f"{announce(session)}\n")
        self.stdout.flush()
        if options["no_serve"]:
            return
        from daphne.endpoints import build_endpoint_description_strings

        from clusterviz.asgi import application
        from clusterviz.server.protocol import Server

        if not settings.CLUSTERVIZ_SIMULATION:
            self.stdout.write("  simulation:     off (CLUSTERVIZ_SIMULATION): the Kubernetes API only\n")
        elif kernel_hosts.hosts_in_process():
            for started in kernel_hosts.reconcile():
                self._report(started)
            kernel_hosts.supervise(self._report)
        else:
            self.stdout.write("  simulation:     REDIS_URL is set: run `python manage.py simworker` to host kernels\n")

        # daphne's own start-up lines repeat the addresses above in endpoint syntax (with the key's
        # path), and say "HTTP/2 support not enabled" as if something were missing: HTTP/2 is left
        # out on purpose (the header and idle limits live in the HTTP/1.1 channel, see
        # clusterviz.server.protocol). Its warnings and errors (a port already in use) still show.
        logging.getLogger("daphne.server").setLevel(logging.WARNING)
        key = str(certs.server_key).replace(":", r"\:")
        cert = str(certs.server_cert).replace(":", r"\:")
        endpoints = build_endpoint_description_strings(host=bind, port=http)
        endpoints.append(f"ssl:{https}:interface={bind}:privateKey={key}:certKey={cert}")
        https_origin = f"https://{settings.SECURE_SSL_HOST}".encode() if settings.CLUSTERVIZ_HTTPS_ONLY else None
        # No limit on how long an answer or a websocket lasts: daphne's http_timeout would cut a
        # watch, its websocket_timeout (24 h by default) the page's stream; a dead websocket peer
        # is found by daphne's pings instead (every 20 s, dropped after 30 s without a pong).
        Server(application=application, endpoints=endpoints, http_timeout=None, websocket_timeout=-1,
               header_timeout=settings.CLUSTERVIZ_HEADER_TIMEOUT, idle_timeout=settings.CLUSTERVIZ_IDLE_TIMEOUT,
               https_origin=https_origin, websocket_handshake_timeout=10, application_close_timeout=5).run()

    def _report(self, host: kernel_hosts.KernelHost) -> None:
        self.stdout.write(f"  simulation:     cluster {host.name!r} runs {len(host.sim.components)} components "
                          f"({host.sim.pacer.mode}, {host.sim.pacer.speed:g}x)\n")
