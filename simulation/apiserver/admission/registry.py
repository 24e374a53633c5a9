"""Every admission plugin of this API server, in the order kube-apiserver runs them
(``AllOrderedPlugins`` in ``pkg/kubeapiserver/options/plugins.go``).

Upstream runs one ordered list twice: first every plugin that mutates (``Admit``), then,
after validation, every plugin that validates (``Validate``). A plugin that does both
(LimitRanger) is the same object in both tuples. NamespaceLifecycle is a mutating plugin
upstream, which is why a create into a missing namespace is refused before validation.

Enabled by default upstream and simulated here: NamespaceLifecycle, LimitRanger,
ServiceAccount, Priority, DefaultTolerationSeconds, DefaultIngressClass, ResourceQuota. AlwaysPullImages is off
by default upstream; here it is present but only acts when the cluster option
``always_pull_images`` is set.
"""
from __future__ import annotations

from .always_pull_images import AlwaysPullImages
from .default_ingress_class import DefaultIngressClass
from .default_toleration_seconds import DefaultTolerationSeconds
from .limit_ranger import LimitRanger
from .namespace_lifecycle import NamespaceLifecycle
from .priority import Priority
from .resource_quota import ResourceQuota
from .service_account import ServiceAccount

_limit_ranger = LimitRanger()

MUTATING: tuple = (
    NamespaceLifecycle(),        # 404 / 403 for missing or terminating namespaces; protects system ones
    _limit_ranger,               # default container requests and limits from LimitRanges
    ServiceAccount(),            # spec.serviceAccountName defaults to "default"; the account must exist
    AlwaysPullImages(),          # imagePullPolicy: Always (only with options["always_pull_images"])
    Priority(),                  # spec.priority from priorityClassName; preemptionPolicy default
    DefaultTolerationSeconds(),  # tolerate not-ready / unreachable nodes for 300s
    DefaultIngressClass(),       # spec.ingressClassName from the default IngressClass (ingress)
)

VALIDATING: tuple = (
    _limit_ranger,               # LimitRange min / max / maxLimitRequestRatio
    ResourceQuota(),             # count and charge the namespace's quotas (always last upstream)
)

PLUGINS: dict[str, object] = {plugin.name: plugin for plugin in MUTATING + VALIDATING}
