"""The ReplicationController manager, as upstream's ``pkg/controller/replication``: the chapter's
own example of a reconcile loop.

Upstream runs the ReplicaSet controller's code on ReplicationControllers through a conversion
shim (``NewReplicationManager`` wraps ``replicaset.NewBaseController`` with RC informers and an
RC client); here the same sharing is a subclass. Everything :mod:`.replicaset` promises holds —
expectations, slow-start creation, deletion ranking, status — with the RC's names:

* Events on the ReplicationController from ``replication-controller``: ``SuccessfulCreate``
  "Created pod: NAME", ``SuccessfulDelete`` "Deleted pod: NAME", ``FailedCreate``.
* Its selector is an equality map (``app: kubia``), read by
  :func:`~.controller_utils.selector_of`.
* Pods get an owner reference ``v1``/``ReplicationController`` with ``controller: true``, so
  ``kubectl delete rc --cascade=orphan`` leaves them running, orphaned, for the next RC whose
  selector matches to adopt.
"""
from __future__ import annotations

from .replicaset import ReplicaSetController


class ReplicationManager(ReplicaSetController):
    name = "replicationcontroller"
    event_source = "replication-controller"
    kind = "ReplicationController"
    api_version = "v1"
    resource = "replicationcontrollers"
    owner_kind = kind
