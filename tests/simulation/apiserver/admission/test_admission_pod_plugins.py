"""ServiceAccount, Priority, DefaultTolerationSeconds and AlwaysPullImages."""
from __future__ import annotations

import pytest

from simulation.apiserver.admission import CREATE, DELETE, UPDATE
from simulation.apiserver.admission.always_pull_images import AlwaysPullImages
from simulation.apiserver.admission.default_toleration_seconds import DefaultTolerationSeconds
from simulation.apiserver.admission.priority import Priority, system_priority_classes
from simulation.apiserver.admission.service_account import ServiceAccount
from simulation.apiserver.errors import StatusError
from tests.simulation.apiserver.fakes import FakeReader, attrs, pod


def sa(name: str, ns: str = "default", **body) -> dict:
    return {"kind": "ServiceAccount", "metadata": {"name": name, "namespace": ns}, **body}


# --- ServiceAccount ---------------------------------------------------------------------------

SA_ADMITTED = [
    ("defaults-to-default-even-if-missing", pod(), FakeReader(), "default", None),
    ("named-and-present", pod(serviceAccountName="builder"), FakeReader(sa("builder")), "builder", None),
    ("deprecated-field-honoured", pod(serviceAccount="builder"), FakeReader(sa("builder")), "builder", None),
    ("pull-secrets-inherited", pod(), FakeReader(sa("default", imagePullSecrets=[{"name": "regcred"}])), "default",
     [{"name": "regcred"}]),
    ("pod-pull-secrets-kept", pod(imagePullSecrets=[{"name": "mine"}]),
     FakeReader(sa("default", imagePullSecrets=[{"name": "regcred"}])), "default", [{"name": "mine"}]),
]


@pytest.mark.parametrize("obj,reader,account,pull_secrets", [s[1:] for s in SA_ADMITTED],
                         ids=[s[0] for s in SA_ADMITTED])
def test_service_account_admitted(obj, reader, account, pull_secrets):
    a = attrs(CREATE, obj, reader)
    plugin = ServiceAccount()
    assert plugin.handles(a)
    plugin.admit(a)
    spec = a.object["spec"]
    assert (spec["serviceAccountName"], spec["serviceAccount"]) == (account, account)
    assert spec.get("imagePullSecrets") == pull_secrets


MIRROR = {"kubernetes.io/config.mirror": "abc"}
SA_REFUSED = [
    ("missing-named-account", pod(serviceAccountName="builder"), FakeReader(sa("other")),
     'pods "web" is forbidden: error looking up service account default/builder: serviceaccount "builder" not found'),
    ("mirror-pod-account", {**pod(serviceAccountName="x"), "metadata": {"name": "web", "namespace": "default",
                                                                        "annotations": MIRROR}}, FakeReader(),
     'pods "web" is forbidden: a mirror pod may not reference service accounts'),
    ("mirror-pod-secret", {**pod(volumes=[{"name": "s", "secret": {"secretName": "x"}}]),
                           "metadata": {"name": "web", "namespace": "default", "annotations": MIRROR}}, FakeReader(),
     'pods "web" is forbidden: a mirror pod may not reference secrets'),
]


@pytest.mark.parametrize("obj,reader,message", [s[1:] for s in SA_REFUSED], ids=[s[0] for s in SA_REFUSED])
def test_service_account_refused(obj, reader, message):
    with pytest.raises(StatusError) as info:
        ServiceAccount().admit(attrs(CREATE, obj, reader))
    assert (info.value.code, info.value.reason, info.value.message, info.value.plugin) == (
        403, "Forbidden", message, "ServiceAccount")
    assert info.value.details == {"name": "web", "kind": "pods"}


def test_service_account_only_on_pod_create():
    plugin = ServiceAccount()
    assert not plugin.handles(attrs(UPDATE, pod(), old=pod()))
    assert not plugin.handles(attrs(CREATE, pod(), subresource="binding"))


# --- Priority ---------------------------------------------------------------------------------

def classes(*extra: dict) -> FakeReader:
    """A reader holding the two system classes, as a bootstrapped API server has them."""
    return FakeReader(*system_priority_classes(), *extra)


def priority_class(name: str, value: int, **fields) -> dict:
    return {"kind": "PriorityClass", "apiVersion": "scheduling.k8s.io/v1", "metadata": {"name": name},
            "value": value, **fields}


PRIORITY = [
    ("no-class", pod(), classes(), 0, "PreemptLowerPriority", None),
    ("node-critical", pod(priorityClassName="system-node-critical"), classes(), 2000001000, "PreemptLowerPriority",
     "system-node-critical"),
    ("cluster-critical", pod(priorityClassName="system-cluster-critical"), classes(), 2000000000,
     "PreemptLowerPriority", "system-cluster-critical"),
    ("matching-explicit", pod(priority=0), classes(), 0, "PreemptLowerPriority", None),
    ("user-class", pod(priorityClassName="high"), classes(priority_class("high", 1000)), 1000,
     "PreemptLowerPriority", "high"),
    ("class-never-preempts", pod(priorityClassName="batch"),
     classes(priority_class("batch", 5, preemptionPolicy="Never")), 5, "Never", "batch"),
    ("global-default", pod(), classes(priority_class("low", 10, globalDefault=True)), 10, "PreemptLowerPriority",
     "low"),
]


@pytest.mark.parametrize("obj,reader,priority,policy,class_name", [p[1:] for p in PRIORITY],
                         ids=[p[0] for p in PRIORITY])
def test_priority(obj, reader, priority, policy, class_name):
    a = attrs(CREATE, obj, reader)
    Priority().admit(a)
    assert a.object["spec"]["priority"] == priority
    assert a.object["spec"]["preemptionPolicy"] == policy
    assert a.object["spec"].get("priorityClassName") == class_name


PRIORITY_CLASS_REFUSED = [
    ("second-global-default", CREATE, priority_class("other", 5, globalDefault=True),
     classes(priority_class("low", 10, globalDefault=True)),
     'priorityclasses.scheduling.k8s.io "other" is forbidden: PriorityClass low is already marked as default. '
     "Only one default can exist"),
    ("delete-system-class", DELETE, None, classes(),
     'priorityclasses.scheduling.k8s.io "system-node-critical" is forbidden: this is a system priority class and '
     "cannot be deleted"),
]


@pytest.mark.parametrize("operation,obj,reader,message", [p[1:] for p in PRIORITY_CLASS_REFUSED],
                         ids=[p[0] for p in PRIORITY_CLASS_REFUSED])
def test_priority_class_guarded(operation, obj, reader, message):
    a = attrs(operation, obj, reader, kind="PriorityClass", name=None if obj else "system-node-critical")
    plugin = Priority()
    assert plugin.handles(a)
    with pytest.raises(StatusError) as info:
        plugin.admit(a)
    assert (info.value.code, info.value.message) == (403, message)


PRIORITY_REFUSED = [
    ("unknown-class", pod(priorityClassName="gold"), "no PriorityClass with name gold was found"),
    ("user-priority", pod(priority=1000), "the integer value of priority (1000) must not be provided in pod spec; "
                                          "priority admission controller computed 0 from the given PriorityClass name"),
    ("user-policy", pod(preemptionPolicy="Never"), "the string value of PreemptionPolicy (Never) must not be provided "
     "in pod spec; priority admission controller computed PreemptLowerPriority from the given PriorityClass name"),
]


@pytest.mark.parametrize("obj,reason", [p[1:] for p in PRIORITY_REFUSED], ids=[p[0] for p in PRIORITY_REFUSED])
def test_priority_refused(obj, reason):
    with pytest.raises(StatusError) as info:
        Priority().admit(attrs(CREATE, obj, classes()))
    assert info.value.message == f'pods "web" is forbidden: {reason}'


def test_priority_kept_on_update():
    old = pod(priority=2000001000, preemptionPolicy="PreemptLowerPriority", priorityClassName="system-node-critical")
    new = pod(priorityClassName="system-node-critical")
    a = attrs(UPDATE, new, old=old)
    assert Priority().handles(a)
    Priority().admit(a)
    assert (new["spec"]["priority"], new["spec"]["preemptionPolicy"]) == (2000001000, "PreemptLowerPriority")


# --- DefaultTolerationSeconds -----------------------------------------------------------------

NOT_READY = {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute",
             "tolerationSeconds": 300}
UNREACHABLE = {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute",
               "tolerationSeconds": 300}
MINE = {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 60}

TOLERATIONS = [
    ("none", [], [NOT_READY, UNREACHABLE]),
    ("user-not-ready-kept", [MINE], [MINE, UNREACHABLE]),
    ("tolerate-everything", [{"operator": "Exists"}], [{"operator": "Exists"}]),
    ("other-effect-does-not-count", [{"key": "node.kubernetes.io/unreachable", "operator": "Exists",
                                      "effect": "NoSchedule"}],
     [{"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoSchedule"}, NOT_READY, UNREACHABLE]),
]


@pytest.mark.parametrize("given,expected", [t[1:] for t in TOLERATIONS], ids=[t[0] for t in TOLERATIONS])
def test_default_toleration_seconds(given, expected):
    a = attrs(CREATE, pod(tolerations=list(given)))
    plugin = DefaultTolerationSeconds()
    assert plugin.handles(a)
    plugin.admit(a)
    assert a.object["spec"]["tolerations"] == expected


# --- AlwaysPullImages -------------------------------------------------------------------------

def test_always_pull_images_is_off_without_the_option():
    assert not AlwaysPullImages().handles(attrs(CREATE, pod()))


def test_always_pull_images_sets_every_container():
    obj = pod(initContainers=[{"name": "init", "image": "busybox:1", "imagePullPolicy": "IfNotPresent"}])
    obj["spec"]["containers"][0]["imagePullPolicy"] = "Never"
    a = attrs(CREATE, obj, options={"always_pull_images": True})
    plugin = AlwaysPullImages()
    assert plugin.handles(a)
    plugin.admit(a)
    spec = a.object["spec"]
    assert [c["imagePullPolicy"] for c in spec["initContainers"] + spec["containers"]] == ["Always", "Always"]


@pytest.mark.parametrize("image,handled", [("nginx:1.27", False), ("nginx:1.28", True)], ids=["same", "new-image"])
def test_always_pull_images_on_update_only_for_new_images(image, handled):
    new = pod()
    new["spec"]["containers"][0]["image"] = image
    a = attrs(UPDATE, new, old=pod(), options={"always_pull_images": True})
    assert AlwaysPullImages().handles(a) is handled
