"""The cluster's add-ons, as the control API installs and reads them: CoreDNS's watch (under
the identity and RBAC kubeadm gives it) and the ingress-nginx add-on with its routing table.
A mixin of :class:`simulation.cluster.SimCluster`: it uses the cluster's kernel, clients and
components.
"""
from __future__ import annotations

from simulation.apimachinery import wellknown
from simulation.apimachinery.wellknown import COREDNS, NAMESPACE_SYSTEM
from simulation.apiserver.request import UserInfo
from simulation.client.apiclient import APIError
from simulation.dns.coredns import CoreDNS
from simulation.ingress import addon as ingress_addon
from simulation.ingress.controller import IngressNginxController
from simulation.ingress.routing import split_url
from simulation.kubeadm.addons import coredns_rbac
from simulation.network.path import from_outside

from .errors import SimulationError
from .kubeadm import RESOURCE_OF_KIND

COREDNS_USER = UserInfo(wellknown.service_account_username(NAMESPACE_SYSTEM, COREDNS),
                        wellknown.service_account_groups(NAMESPACE_SYSTEM))
#: CoreDNS's ServiceAccount and the ``system:coredns`` ClusterRole and binding kubeadm's add-on
#: phase writes, by resource (written here when missing: every cluster runs CoreDNS's watch).
COREDNS_RBAC: tuple[tuple[str, dict], ...] = tuple((RESOURCE_OF_KIND[obj["kind"]], obj) for obj in coredns_rbac())


class Addons:
    def add_dns(self) -> CoreDNS:
        """CoreDNS's watch, under the identity and RBAC kubeadm gives it (written here when
        missing: kubeadm's add-on phase, not the API server, creates them)."""
        for resource, obj in COREDNS_RBAC:
            try:
                self.observer.create(resource, obj, obj["metadata"].get("namespace", ""))
            except APIError as exc:
                if exc.code != 409:
                    raise
        return self._add(CoreDNS(COREDNS, self.kernel, self.client(COREDNS_USER, COREDNS)))


    def install_ingress_addon(self) -> dict:
        """The ingress add-on: ingress-nginx's objects (created through the API as the cluster's
        admin would apply its manifest; existing ones are kept) and the simulated controller, the
        process of the ``ingress-nginx-controller`` pod, acting as its ServiceAccount."""
        created = ingress_addon.install(self.observer)
        controller = self.components.get(wellknown.INGRESS_NGINX_CONTROLLER)
        if controller is None:
            name, groups = ingress_addon.controller_username()
            controller = self._add(IngressNginxController(wellknown.INGRESS_NGINX_CONTROLLER, self.kernel,
                                                          self.client(UserInfo(name, groups), "nginx-ingress-controller")))
        controller.start()
        return {"created": created, "controller": controller.status()}

    def ingress_controller(self) -> IngressNginxController:
        component = self.components.get(wellknown.INGRESS_NGINX_CONTROLLER)
        if not isinstance(component, IngressNginxController):
            raise SimulationError("the ingress add-on is not installed (manage.py sim ingress install)")
        return component

    def ingress_routes(self, url: str = "") -> dict:
        """The ingress controller's routing table, and with ``url`` where that request would go."""
        controller = self.ingress_controller()
        table = controller.routing_table()
        if url:
            table["match"] = controller.route(*split_url(url))
            table["match"]["client_trace"] = self._client_leg("https" if url.startswith("https://") else "http")
            table["match"]["trace"] = self._ingress_leg(table["match"])
        return table

    def _client_leg(self, scheme: str = "http") -> dict | None:
        """The first leg: a client outside the cluster reaches the controller through its Service's
        NodePort on the node the Ingresses' ADDRESS names (where a controller pod runs), and that
        node's kube-proxy DNATs it to a controller pod. None without a running controller pod."""
        pods = [p for p in self.observer.list("pods", wellknown.INGRESS_NGINX_NAMESPACE)[0]
                if (p.get("status") or {}).get("phase") == "Running" and (p.get("spec") or {}).get("nodeName")]
        try:
            service = self.observer.get("services", wellknown.INGRESS_NGINX_NAMESPACE, wellknown.INGRESS_NGINX_CONTROLLER)
        except APIError:
            return None
        node_port = next((p.get("nodePort") for p in (service.get("spec") or {}).get("ports") or []
                          if p.get("name") == ("https" if scheme == "https" else "http")), None)
        if not pods or not node_port:
            return None
        node = min(pods, key=lambda p: p["metadata"]["name"])["spec"]["nodeName"]
        nodes = self._nodes()
        nets = [self._node_net(n["metadata"]["name"], nodes) for n in nodes if n["metadata"]["name"] in self.node_specs]
        return from_outside(nets, node, int(node_port), self.trace_rng).as_dict()

    def _ingress_leg(self, match: dict) -> dict | None:
        """The packet nginx sends for a matched request: from the controller pod straight to one
        backend endpoint (nginx balances over the endpoints itself, bypassing the Service's
        cluster IP; the pick is drawn from the trace's own seeded source). None when there is
        no endpoint or no running controller pod."""
        route = match.get("route")
        pods = [p for p in self.observer.list("pods", wellknown.INGRESS_NGINX_NAMESPACE)[0]
                if (p.get("status") or {}).get("phase") == "Running" and (p.get("status") or {}).get("podIP")]
        if not route or not route["endpoints"] or not pods:
            return None
        endpoint = self.trace_rng.choice(route["endpoints"])
        pod = min(pods, key=lambda p: p["metadata"]["name"])
        return self.trace(wellknown.INGRESS_NGINX_NAMESPACE, pod["metadata"]["name"], endpoint)
