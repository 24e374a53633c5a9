"""A kubelet with a static pod path: it runs the manifests' pods itself and mirrors each one in
the API server; deleting a mirror pod, editing or removing a manifest do what they do upstream."""
from __future__ import annotations

from simulation.apimachinery import wellknown
from simulation.kubelet import NodeSpec
from simulation.kubelet.static_pods import ManifestDirectory, fnv128a

from tests.simulation.kubelet.harness import Cluster

NODE = "cp-1"
MANIFEST = {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "web", "namespace": "kube-system", "labels": {"component": "web"}},
            "spec": {"hostNetwork": True, "containers": [{"name": "web", "image": "nginx:1.27",
                                                          "command": ["nginx", "-g", "daemon off;"]}]}}
MIRROR = "web-cp-1"


def cluster_with_manifests() -> tuple[Cluster, ManifestDirectory]:
    cluster = Cluster()
    directory = ManifestDirectory(files={"web.yaml": MANIFEST})
    client_spec = NodeSpec(NODE, pod_cidr="10.244.9.0/24")
    kubelet = cluster.add_node(client_spec, start=False)
    kubelet.manifests = directory
    kubelet.start()
    assert cluster.run_until(lambda: ready(cluster))
    return cluster, directory


def mirror(cluster: Cluster) -> dict | None:
    try:
        return cluster.pod(MIRROR, "kube-system")
    except Exception:
        return None


def ready(cluster: Cluster) -> bool:
    pod = mirror(cluster)
    statuses = ((pod or {}).get("status") or {}).get("containerStatuses") or []
    return bool(statuses) and statuses[0].get("ready") is True


def container_ids(cluster: Cluster) -> set[str]:
    return {c["id"] for c in cluster.kubelets[NODE].runtime.containers() if c["state"] == "Running"
            and not c["pause"]}


def test_the_static_pod_runs_and_its_mirror_pod_is_in_the_api() -> None:
    cluster, _ = cluster_with_manifests()
    pod = mirror(cluster)
    meta = pod["metadata"]
    annotations = meta["annotations"]
    assert annotations[wellknown.CONFIG_SOURCE_ANNOTATION] == "file"
    assert annotations[wellknown.CONFIG_MIRROR_ANNOTATION] == annotations[wellknown.CONFIG_HASH_ANNOTATION]
    assert len(annotations[wellknown.CONFIG_HASH_ANNOTATION]) == 32  # fnv-128a in hex
    assert wellknown.CONFIG_SEEN_ANNOTATION in annotations
    node_uid = cluster.admin.get("nodes", "", NODE)["metadata"]["uid"]
    assert meta["ownerReferences"] == [{"apiVersion": "v1", "kind": "Node", "name": NODE, "uid": node_uid,
                                        "controller": True}]
    assert meta["labels"] == {"component": "web"}
    assert pod["spec"]["nodeName"] == NODE
    assert {"operator": "Exists", "effect": "NoExecute"} in pod["spec"]["tolerations"]
    # on the host network: the pod's IP is the node's
    assert pod["status"]["podIP"] == pod["status"]["hostIP"] == cluster.kubelets[NODE].spec.internal_ip
    # the API server's UID is its own; the kubelet knows the pod by the hash
    assert meta["uid"] != annotations[wellknown.CONFIG_HASH_ANNOTATION]


def test_deleting_the_mirror_pod_recreates_it_and_leaves_the_container_running() -> None:
    cluster, _ = cluster_with_manifests()
    before, running = mirror(cluster)["metadata"]["uid"], container_ids(cluster)
    cluster.admin.delete("pods", "kube-system", MIRROR)
    assert cluster.run_until(lambda: mirror(cluster) is not None and mirror(cluster)["metadata"]["uid"] != before
                             and ready(cluster), timeout=10)
    assert container_ids(cluster) == running


def test_editing_the_manifest_restarts_the_pod_under_a_new_hash() -> None:
    cluster, directory = cluster_with_manifests()
    old = mirror(cluster)
    old_hash = old["metadata"]["annotations"][wellknown.CONFIG_HASH_ANNOTATION]
    old_containers = container_ids(cluster)
    edited = {**MANIFEST, "spec": {**MANIFEST["spec"], "containers": [
        {**MANIFEST["spec"]["containers"][0], "image": "nginx:1.28"}]}}
    directory.write("web.yaml", edited)

    def replaced() -> bool:
        pod = mirror(cluster)
        return pod is not None and pod["metadata"]["annotations"][wellknown.CONFIG_MIRROR_ANNOTATION] != old_hash \
            and ready(cluster)
    assert cluster.run_until(replaced, timeout=10)
    new = mirror(cluster)
    assert new["metadata"]["uid"] != old["metadata"]["uid"]
    assert new["spec"]["containers"][0]["image"] == "nginx:1.28"
    assert new["status"]["containerStatuses"][0]["restartCount"] == 0
    assert not (container_ids(cluster) & old_containers)
    assert cluster.kubelets[NODE].runtime.pod_uids() == {new["metadata"]["annotations"][
        wellknown.CONFIG_HASH_ANNOTATION]}


def test_removing_the_manifest_stops_the_pod_and_deletes_the_mirror_pod() -> None:
    cluster, directory = cluster_with_manifests()
    directory.remove("web.yaml")
    assert cluster.run_until(lambda: mirror(cluster) is None, timeout=10)
    assert container_ids(cluster) == set()
    directory.write("web.yaml", MANIFEST)
    assert cluster.run_until(lambda: ready(cluster), timeout=10)


def test_a_mirror_pod_of_no_static_pod_is_deleted() -> None:
    cluster, _ = cluster_with_manifests()
    orphan = {"apiVersion": "v1", "kind": "Pod",
              "metadata": {"name": "gone-cp-1", "namespace": "kube-system",
                           "annotations": {wellknown.CONFIG_MIRROR_ANNOTATION: "0" * 32}},
              "spec": {"nodeName": NODE, "containers": [{"name": "c", "image": "nginx:1.27"}]}}
    cluster.admin.create("pods", orphan)
    assert cluster.run_until(lambda: not [p for p in cluster.admin.list("pods", "kube-system")[0]
                                          if p["metadata"]["name"] == "gone-cp-1"], timeout=10)
    assert ready(cluster)


def test_the_hash_is_fnv_1a_128_as_upstream_names_static_pods() -> None:
    assert fnv128a(b"") == "6c62272e07bb014262b821756295c58d"
    assert fnv128a(b"a") == "d228cb696f1a8caf78912b704e4a8964"  # the FNV reference test vector


def test_an_invalid_manifest_is_skipped_and_the_others_run() -> None:
    cluster, directory = cluster_with_manifests()
    directory.write("broken.yaml", {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "broken"},
                                    "spec": {"containers": []}})
    cluster.kernel.run_for(5)
    captions = [s.caption for s in cluster.kernel.history if s.component == f"kubelet/{NODE}"]
    assert any("/etc/kubernetes/manifests/broken.yaml is not a valid pod, skipped: spec.containers: Required value"
               in c for c in captions), captions[-5:]
    assert cluster.kubelets[NODE].runtime.pod_uids() == {mirror(cluster)["metadata"]["annotations"][
        wellknown.CONFIG_HASH_ANNOTATION]}
    assert ready(cluster)
