"""ServiceAccount: every pod runs as a service account (``default`` unless it names one), the
account must exist, and its image pull secrets are inherited by pods that list none.

Why a missing ``default`` account is *not* refused: upstream retries the lookup of
``default`` for about a second because the ServiceAccount controller creates it in every new
namespace. This simulation has no such controller yet, so refusing would make every pod in a
fresh namespace fail; we admit the pod and only refuse accounts the user named explicitly.

Not simulated: the projected ``kube-api-access-*`` token volume upstream mounts into every
container (it needs a token controller and a random suffix, which would break replay).
Mirror pods (``kubernetes.io/config.mirror``) may reference neither accounts nor secrets.
"""
from __future__ import annotations

import copy

from . import CREATE, AdmissionAttributes, MutatingPlugin
from .helpers import admission_forbidden, is_pod

PLUGIN_NAME = "ServiceAccount"
DEFAULT_SERVICE_ACCOUNT = "default"
MIRROR_POD_ANNOTATION = "kubernetes.io/config.mirror"


class ServiceAccount(MutatingPlugin):
    name = PLUGIN_NAME

    def handles(self, attrs: AdmissionAttributes) -> bool:
        return attrs.operation == CREATE and is_pod(attrs)

    def admit(self, attrs: AdmissionAttributes) -> None:
        pod = attrs.object
        spec = pod.setdefault("spec", {})
        annotations = (pod.get("metadata") or {}).get("annotations") or {}
        if MIRROR_POD_ANNOTATION in annotations:
            if spec.get("serviceAccountName"):
                raise admission_forbidden(attrs, "a mirror pod may not reference service accounts", PLUGIN_NAME)
            if any(v.get("secret") is not None for v in spec.get("volumes") or []):
                raise admission_forbidden(attrs, "a mirror pod may not reference secrets", PLUGIN_NAME)
            return
        name = spec.get("serviceAccountName") or spec.get("serviceAccount") or DEFAULT_SERVICE_ACCOUNT
        spec["serviceAccountName"] = name
        spec["serviceAccount"] = name  # deprecated alias, still written by the v1 conversion
        account = attrs.reader.get("serviceaccounts", attrs.namespace, name)
        if account is None:
            if name == DEFAULT_SERVICE_ACCOUNT:
                return
            raise admission_forbidden(attrs, f"error looking up service account {attrs.namespace}/{name}: "
                                      f'serviceaccount "{name}" not found', PLUGIN_NAME)
        if not spec.get("imagePullSecrets") and account.get("imagePullSecrets"):
            spec["imagePullSecrets"] = copy.deepcopy(account["imagePullSecrets"])
