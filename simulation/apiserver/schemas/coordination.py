"""io.k8s.api.coordination.v1."""
from __future__ import annotations

from ._helpers import META, int32, kind, list_kind, obj, ref, string

L = "io.k8s.api.coordination.v1."

SCHEMAS = {
    L + "Lease": kind("Lease defines a lease concept.", "coordination.k8s.io", "v1", "Lease",
                      spec=ref(L + "LeaseSpec", "spec contains the specification of the Lease.")),
    L + "LeaseList": list_kind("coordination.k8s.io", "v1", "LeaseList", L + "Lease"),
    L + "LeaseSpec": obj(
        "LeaseSpec is a specification of a Lease.",
        acquireTime=ref(META + "MicroTime", "acquireTime is a time when the current lease was acquired.",
                        struct=False),
        holderIdentity=string("holderIdentity contains the identity of the holder of a current lease."),
        leaseDurationSeconds=int32("leaseDurationSeconds is a duration that candidates for a lease need to "
                                   "wait to force acquire it, measured against the time of last observed "
                                   "renewTime."),
        leaseTransitions=int32("leaseTransitions is the number of transitions of a lease between holders."),
        preferredHolder=string("PreferredHolder signals to a lease holder that the lease has a more optimal "
                               "holder and should be given up."),
        renewTime=ref(META + "MicroTime", "renewTime is a time when the current holder of a lease has last "
                      "updated the lease.", struct=False),
        strategy=string("Strategy indicates the strategy for picking the leader for coordinated leader "
                        "election."),
    ),
}
