"""NamespaceLifecycle: missing, terminating and immortal namespaces."""
from __future__ import annotations

import pytest

from simulation.apiserver.admission import CREATE, DELETE, UPDATE
from simulation.apiserver.admission.namespace_lifecycle import NamespaceLifecycle
from simulation.apiserver.errors import StatusError
from tests.simulation.apiserver.fakes import FakeReader, attrs, namespace, pod

READER = FakeReader(namespace("default"), namespace("dying", "Terminating"))
PLUGIN = NamespaceLifecycle()


def cm(ns: str) -> dict:
    return {"kind": "ConfigMap", "metadata": {"name": "cfg", "namespace": ns}}


ALLOWED = [
    ("create-in-active", attrs(CREATE, pod(ns="default"), READER)),
    ("update-in-terminating", attrs(UPDATE, pod(ns="dying"), READER, old=pod(ns="dying"))),
    ("delete-in-terminating", attrs(DELETE, None, READER, kind="Pod", namespace="dying", name="web")),
    ("delete-in-missing", attrs(DELETE, None, READER, kind="Pod", namespace="gone", name="web")),
    ("create-namespace", attrs(CREATE, namespace("new"), READER, namespace="")),
    ("delete-other-namespace", attrs(DELETE, None, READER, kind="Namespace", namespace="", name="team-a")),
    ("cluster-scoped", attrs(CREATE, {"kind": "Node", "metadata": {"name": "n1"}}, READER)),
]


@pytest.mark.parametrize("a", [x[1] for x in ALLOWED], ids=[x[0] for x in ALLOWED])
def test_allowed(a):
    assert PLUGIN.handles(a)
    PLUGIN.admit(a)


REFUSED = [
    ("create-in-missing", attrs(CREATE, cm("nope"), READER), 404, "NotFound", 'namespaces "nope" not found',
     {"name": "nope", "kind": "namespaces"}),
    ("update-in-missing", attrs(UPDATE, cm("nope"), READER, old=cm("nope")), 404, "NotFound",
     'namespaces "nope" not found', {"name": "nope", "kind": "namespaces"}),
    ("create-in-terminating", attrs(CREATE, pod(ns="dying"), READER), 403, "Forbidden",
     'pods "web" is forbidden: unable to create new content in namespace dying because it is being terminated',
     {"name": "web", "kind": "pods", "causes": [{"reason": "NamespaceTerminating", "field": "metadata.namespace",
                                                 "message": "namespace dying is being terminated"}]}),
    ("create-generated-name", attrs(CREATE, {"kind": "Pod", "metadata": {"generateName": "web-", "namespace": "dying"}},
                                    READER), 403, "Forbidden",
     'pods "web-" is forbidden: unable to create new content in namespace dying because it is being terminated', None),
]


@pytest.mark.parametrize("a,code,reason,message,details", [r[1:] for r in REFUSED], ids=[r[0] for r in REFUSED])
def test_refused(a, code, reason, message, details):
    with pytest.raises(StatusError) as info:
        PLUGIN.admit(a)
    err = info.value
    assert (err.code, err.reason, err.message, err.plugin) == (code, reason, message, "NamespaceLifecycle")
    if details is not None:
        assert err.details == details


@pytest.mark.parametrize("name", ["default", "kube-system", "kube-public"])
def test_system_namespaces_are_immortal(name):
    a = attrs(DELETE, None, READER, kind="Namespace", namespace="", name=name)
    with pytest.raises(StatusError) as info:
        PLUGIN.admit(a)
    assert info.value.code == 403
    assert info.value.message == f'namespaces "{name}" is forbidden: this namespace may not be deleted'
