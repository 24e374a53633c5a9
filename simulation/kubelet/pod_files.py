"""The files the kubelet writes into every container of a pod: ``/etc/resolv.conf``
(upstream's pkg/kubelet/network/dns ``GetPodDNS``) and ``/etc/hosts``
(pkg/kubelet ``managedHostsFileContent``), from the pod's spec and the node's flags.

* ``dnsPolicy: ClusterFirst`` (the default): the cluster DNS Service's IP as nameserver,
  ``<ns>.svc.<domain> svc.<domain> <domain>`` as search path, ``ndots:5``; ``dnsConfig``
  adds nameservers, search domains and options after them. ``None``: only ``dnsConfig``.
  ``Default`` (and ``ClusterFirst`` with ``hostNetwork``): the node's own resolv.conf.
* ``/etc/hosts``: localhost lines, then the pod's IP with its hostname (and FQDN when
  ``subdomain`` is set), then ``hostAliases``.
"""
from __future__ import annotations

from simulation.apimachinery.wellknown import CLUSTER_DNS_IP, CLUSTER_DOMAIN

#: What a kind node's own /etc/resolv.conf holds (Docker's embedded DNS on the kind network).
NODE_RESOLV_CONF = "nameserver 172.18.0.1\noptions ndots:0\n"


def resolv_conf(pod: dict, *, cluster_dns: str = CLUSTER_DNS_IP, domain: str = CLUSTER_DOMAIN) -> str:
    spec = pod.get("spec") or {}
    policy = spec.get("dnsPolicy") or "ClusterFirst"
    if policy == "Default" or (policy == "ClusterFirst" and spec.get("hostNetwork")):
        return NODE_RESOLV_CONF
    namespace = pod["metadata"].get("namespace") or "default"
    nameservers, search, options = [], [], []
    if policy in ("ClusterFirst", "ClusterFirstWithHostNet"):
        nameservers = [cluster_dns]
        search = [f"{namespace}.svc.{domain}", f"svc.{domain}", domain]
        options = [("ndots", "5")]
    config = spec.get("dnsConfig") or {}
    nameservers += [n for n in config.get("nameservers") or [] if n not in nameservers]
    search += [s for s in config.get("searches") or [] if s not in search]
    for option in config.get("options") or []:
        options = [o for o in options if o[0] != option.get("name")] + [(option.get("name"), option.get("value"))]
    lines = []
    if search:
        lines.append("search " + " ".join(search))
    lines += [f"nameserver {n}" for n in nameservers]
    if options:
        lines.append("options " + " ".join(f"{k}:{v}" if v is not None else k for k, v in options))
    return "\n".join(lines) + "\n"


def hosts_file(pod: dict, pod_ip: str) -> str:
    spec = pod.get("spec") or {}
    hostname = spec.get("hostname") or pod["metadata"]["name"]
    lines = ["# Kubernetes-managed hosts file.", "127.0.0.1\tlocalhost", "::1\tlocalhost ip6-localhost ip6-loopback",
             "fe00::0\tip6-localnet", "fe00::0\tip6-mcastprefix", "fe00::1\tip6-allnodes", "fe00::2\tip6-allrouters"]
    if spec.get("subdomain"):
        namespace = pod["metadata"].get("namespace") or "default"
        lines.append(f"{pod_ip}\t{hostname}.{spec['subdomain']}.{namespace}.svc.{CLUSTER_DOMAIN}\t{hostname}")
    else:
        lines.append(f"{pod_ip}\t{hostname}")
    aliases = spec.get("hostAliases") or []
    if aliases:
        lines += ["", "# Entries added by HostAliases."]
        lines += [f"{a.get('ip')}\t" + "\t".join(a.get("hostnames") or []) for a in aliases]
    return "\n".join(lines) + "\n"
