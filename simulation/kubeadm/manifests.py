"""The static pod manifests ``kubeadm init`` writes into ``/etc/kubernetes/manifests`` of a
control-plane node (upstream's ``cmd/kubeadm/app/phases/controlplane/manifests.go`` and
``phases/etcd/local.go``), for one node at one address, as the files a learner would ``cat``
(checked against the files kubeadm v1.33.1 writes, as kubernetes/website#51166 lists them).

Each is a Pod labelled ``component: <name>`` and ``tier: control-plane``, on the host network,
``priorityClassName: system-node-critical`` with its priority written out, probing the
component's health endpoint as kubeadm does, its certificates and kubeconfig mounted from the
host.
"""
from __future__ import annotations

from simulation.apimachinery import wellknown
from simulation.kubelet.node_spec import KUBELET_VERSION

#: kubeadm 1.33's etcd (``constants.DefaultEtcdVersion``).
ETCD_IMAGE = "registry.k8s.io/etcd:3.5.21-0"
ETCD = "etcd"
KUBE_APISERVER = "kube-apiserver"
#: kubeadm's default service subnet and the pod subnet kind gives it.
SERVICE_SUBNET = "10.96.0.0/12"
POD_SUBNET = "10.244.0.0/16"
#: The files, in the order ``ls`` lists them, and the component each runs.
FILES = {f"{ETCD}.yaml": ETCD, f"{KUBE_APISERVER}.yaml": KUBE_APISERVER,
         f"{wellknown.KUBE_CONTROLLER_MANAGER}.yaml": wellknown.KUBE_CONTROLLER_MANAGER,
         f"{wellknown.KUBE_SCHEDULER}.yaml": wellknown.KUBE_SCHEDULER}


def component_image(name: str) -> str:
    return ETCD_IMAGE if name == ETCD else f"registry.k8s.io/{name}:{KUBELET_VERSION}"


def _probe(host: str, path: str, port: int, scheme: str, *, failure_threshold: int, period: int = 10,
           initial_delay: int = 10) -> dict:
    probe = {"failureThreshold": failure_threshold,
             "httpGet": {"host": host, "path": path, "port": port, "scheme": scheme},
             "periodSeconds": period, "timeoutSeconds": 15}
    if initial_delay:
        probe["initialDelaySeconds"] = initial_delay
    return probe


def _host_path(name: str, path: str, type_: str, *, read_only: bool = True) -> tuple[dict, dict]:
    """A hostPath volume and its mount; kubeadm mounts certificates and kubeconfigs read-only."""
    mount = {"mountPath": path, "name": name}
    if read_only:
        mount["readOnly"] = True
    return {"hostPath": {"path": path, "type": type_}, "name": name}, mount


def _pod(name: str, command: list[str], *, cpu: str, memory: str = "", probes: dict, mounts: list[tuple[dict, dict]],
         annotations: dict | None = None) -> dict:
    requests = {"cpu": cpu}
    if memory:
        requests["memory"] = memory
    container = {"command": command, "image": component_image(name), "imagePullPolicy": "IfNotPresent",
                 **probes, "name": name, "resources": {"requests": requests},
                 "volumeMounts": [m for _, m in mounts]}
    metadata = {"creationTimestamp": None, "labels": {"component": name, "tier": "control-plane"},
                "name": name, "namespace": wellknown.NAMESPACE_SYSTEM}
    if annotations:
        metadata = {"annotations": annotations, **metadata}
    return {"apiVersion": "v1", "kind": "Pod", "metadata": metadata,
            "spec": {"containers": [container], "hostNetwork": True,
                     "priority": wellknown.SYSTEM_PRIORITY_CLASSES["system-node-critical"],
                     "priorityClassName": "system-node-critical",
                     "securityContext": {"seccompProfile": {"type": "RuntimeDefault"}},
                     "volumes": [v for v, _ in mounts]},
            "status": {}}


def control_plane_manifests(node: str, address: str, *, members: list[tuple[str, str]] | None = None) -> dict[str, dict]:
    """The four manifests of a control-plane node ``node`` advertising ``address``.

    ``members`` are the etcd members (node, address) of a highly available control plane, in the
    order they joined, ``node`` among them: ``kubeadm join --control-plane`` adds the node's member
    to those before it (``--initial-cluster`` lists them, ``--initial-cluster-state=existing``
    past the first). Each kube-apiserver is given every member's client URL, so that one member
    down leaves all of them serving and ``kubectl get cs`` lists each member (kubeadm's stacked
    layout points an API server at its local member only)."""
    pki = "/etc/kubernetes/pki"
    members = members or [(node, address)]
    joined = members[:[name for name, _ in members].index(node) + 1]
    initial_cluster = ",".join(f"{name}=https://{ip}:2380" for name, ip in joined)
    joining = ["--initial-cluster-state=existing"] if len(joined) > 1 else []
    etcd_servers = ",".join(f"https://{ip}:2379" for _, ip in members) if len(members) > 1 \
        else "https://127.0.0.1:2379"
    certs = [_host_path("ca-certs", "/etc/ssl/certs", "DirectoryOrCreate"),
             _host_path("etc-ca-certificates", "/etc/ca-certificates", "DirectoryOrCreate"),
             _host_path("k8s-certs", pki, "DirectoryOrCreate")]
    etcd = _pod(ETCD, [
        "etcd", f"--advertise-client-urls=https://{address}:2379", f"--cert-file={pki}/etcd/server.crt",
        "--client-cert-auth=true", "--data-dir=/var/lib/etcd", "--experimental-initial-corrupt-check=true",
        "--experimental-watch-progress-notify-interval=5s",
        f"--initial-advertise-peer-urls=https://{address}:2380", f"--initial-cluster={initial_cluster}",
        *joining, f"--key-file={pki}/etcd/server.key", f"--listen-client-urls=https://127.0.0.1:2379,https://{address}:2379",
        "--listen-metrics-urls=http://127.0.0.1:2381", f"--listen-peer-urls=https://{address}:2380",
        f"--name={node}", f"--peer-cert-file={pki}/etcd/peer.crt", "--peer-client-cert-auth=true",
        f"--peer-key-file={pki}/etcd/peer.key", f"--peer-trusted-ca-file={pki}/etcd/ca.crt", "--snapshot-count=10000",
        f"--trusted-ca-file={pki}/etcd/ca.crt"],
        cpu="100m", memory="100Mi",
        probes={"livenessProbe": _probe("127.0.0.1", "/livez", 2381, "HTTP", failure_threshold=8),
                "readinessProbe": _probe("127.0.0.1", "/readyz", 2381, "HTTP", failure_threshold=3, period=1,
                                         initial_delay=0),
                "startupProbe": _probe("127.0.0.1", "/readyz", 2381, "HTTP", failure_threshold=24)},
        mounts=[_host_path("etcd-certs", f"{pki}/etcd", "DirectoryOrCreate", read_only=False),
                _host_path("etcd-data", "/var/lib/etcd", "DirectoryOrCreate", read_only=False)],
        annotations={"kubeadm.kubernetes.io/etcd.advertise-client-urls": f"https://{address}:2379"})
    apiserver = _pod(KUBE_APISERVER, [
        "kube-apiserver", f"--advertise-address={address}", "--allow-privileged=true",
        "--authorization-mode=Node,RBAC", f"--client-ca-file={pki}/ca.crt",
        "--enable-admission-plugins=NodeRestriction", "--enable-bootstrap-token-auth=true",
        f"--etcd-cafile={pki}/etcd/ca.crt", f"--etcd-certfile={pki}/apiserver-etcd-client.crt",
        f"--etcd-keyfile={pki}/apiserver-etcd-client.key", f"--etcd-servers={etcd_servers}",
        f"--kubelet-client-certificate={pki}/apiserver-kubelet-client.crt",
        f"--kubelet-client-key={pki}/apiserver-kubelet-client.key",
        "--kubelet-preferred-address-types=InternalIP,ExternalIP,Hostname", "--runtime-config=",
        "--secure-port=6443", "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
        f"--service-account-key-file={pki}/sa.pub", f"--service-account-signing-key-file={pki}/sa.key",
        f"--service-cluster-ip-range={SERVICE_SUBNET}", f"--tls-cert-file={pki}/apiserver.crt",
        f"--tls-private-key-file={pki}/apiserver.key"],
        cpu="250m",
        probes={"livenessProbe": _probe(address, "/livez", 6443, "HTTPS", failure_threshold=8),
                "readinessProbe": _probe(address, "/readyz", 6443, "HTTPS", failure_threshold=3, period=1,
                                         initial_delay=0),
                "startupProbe": _probe(address, "/livez", 6443, "HTTPS", failure_threshold=24)},
        mounts=certs + [_host_path("usr-local-share-ca-certificates", "/usr/local/share/ca-certificates",
                                   "DirectoryOrCreate"),
                        _host_path("usr-share-ca-certificates", "/usr/share/ca-certificates", "DirectoryOrCreate")],
        annotations={"kubeadm.kubernetes.io/kube-apiserver.advertise-address.endpoint": f"{address}:6443"})
    controller_manager = _pod(wellknown.KUBE_CONTROLLER_MANAGER, [
        "kube-controller-manager", "--allocate-node-cidrs=true",
        "--authentication-kubeconfig=/etc/kubernetes/controller-manager.conf",
        "--authorization-kubeconfig=/etc/kubernetes/controller-manager.conf", "--bind-address=127.0.0.1",
        f"--client-ca-file={pki}/ca.crt", f"--cluster-cidr={POD_SUBNET}", "--cluster-name=kubernetes",
        f"--cluster-signing-cert-file={pki}/ca.crt", f"--cluster-signing-key-file={pki}/ca.key",
        "--controllers=*,bootstrapsigner,tokencleaner",
        "--kubeconfig=/etc/kubernetes/controller-manager.conf", "--leader-elect=true",
        f"--requestheader-client-ca-file={pki}/front-proxy-ca.crt", f"--root-ca-file={pki}/ca.crt",
        f"--service-account-private-key-file={pki}/sa.key", f"--service-cluster-ip-range={SERVICE_SUBNET}",
        "--use-service-account-credentials=true"],
        cpu="200m",
        probes={"livenessProbe": _probe("127.0.0.1", "/healthz", 10257, "HTTPS", failure_threshold=8),
                "startupProbe": _probe("127.0.0.1", "/healthz", 10257, "HTTPS", failure_threshold=24)},
        mounts=certs + [_host_path("flexvolume-dir", "/usr/libexec/kubernetes/kubelet-plugins/volume/exec",
                                   "DirectoryOrCreate", read_only=False),
                        _host_path("kubeconfig", "/etc/kubernetes/controller-manager.conf", "FileOrCreate")])
    scheduler = _pod(wellknown.KUBE_SCHEDULER, [
        "kube-scheduler", "--authentication-kubeconfig=/etc/kubernetes/scheduler.conf",
        "--authorization-kubeconfig=/etc/kubernetes/scheduler.conf", "--bind-address=127.0.0.1",
        "--kubeconfig=/etc/kubernetes/scheduler.conf", "--leader-elect=true"],
        cpu="100m",
        # since kubeadm 1.32 (kubernetes#126945): /livez for startup and liveness, /readyz for readiness
        probes={"livenessProbe": _probe("127.0.0.1", "/livez", 10259, "HTTPS", failure_threshold=8),
                "readinessProbe": _probe("127.0.0.1", "/readyz", 10259, "HTTPS", failure_threshold=3, period=1,
                                         initial_delay=0),
                "startupProbe": _probe("127.0.0.1", "/livez", 10259, "HTTPS", failure_threshold=24)},
        mounts=[_host_path("kubeconfig", "/etc/kubernetes/scheduler.conf", "FileOrCreate")])
    return {f"{ETCD}.yaml": etcd, f"{KUBE_APISERVER}.yaml": apiserver,
            f"{wellknown.KUBE_CONTROLLER_MANAGER}.yaml": controller_manager,
            f"{wellknown.KUBE_SCHEDULER}.yaml": scheduler}
