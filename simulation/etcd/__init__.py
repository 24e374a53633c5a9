"""etcd as a cluster of members: Raft's leader and quorum decide whether the API server's
writes can commit (:mod:`.raft`)."""
from .raft import HEALTH_TIMED_OUT, REQUEST_TIMED_OUT, EtcdCluster, Member, NoQuorumError

__all__ = ["HEALTH_TIMED_OUT", "REQUEST_TIMED_OUT", "EtcdCluster", "Member", "NoQuorumError"]
