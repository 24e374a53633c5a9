"""An etcd cluster as Raft sees it: members that run or not, a term, and a leader that exists
only while a quorum (a majority of the members) runs.

The store itself stays one revision log: what this models is *whether* a write can commit.
etcd commits an entry once a majority of members has it in their log, so with three members
one may be down and every write still succeeds; with two down the last one cannot win an
election, has no leader, and every proposal times out. kube-apiserver passes etcd's error on:
``kubectl`` prints ``Error from server: etcdserver: request timed out``.

Elections happen at once when a member stops or starts: on the virtual clock, etcd's
election timeout (1 s by default) is shorter than anything a class watches, and a write
proposed during an election waits for the new leader and succeeds, as etcd's client retries.
Which member wins is drawn from the members' randomized election timeouts, seeded, so the
same seed and the same stops give the same leaders. The messages are etcd 3.5's raft log lines.
"""
from __future__ import annotations

import hashlib
import random
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

#: etcd's error for a proposal that no leader committed (``rpctypes.ErrTimeout``).
REQUEST_TIMED_OUT = "etcdserver: request timed out"
#: What the storage health probe (componentstatuses, ``/livez/etcd``) says of a member it cannot
#: read through: its ``Get`` hits the probe's deadline.
HEALTH_TIMED_OUT = "error getting data from etcd: context deadline exceeded"
#: How many raft log lines the cluster keeps (what the page and ``kubectl logs`` show).
LOG_LINES = 200


class NoQuorumError(Exception):
    """A request etcd cannot serve: no leader, because fewer than a quorum of members run."""

    def __init__(self) -> None:
        super().__init__(REQUEST_TIMED_OUT)


@dataclass
class Member:
    """One etcd member, named as kubeadm names it (after its node), with the ID etcd derives
    from its peer URLs and the cluster's name."""

    name: str
    address: str
    running: bool = True

    @property
    def id(self) -> str:
        digest = hashlib.sha1(f"{self.peer_url}/kubernetes".encode()).hexdigest()
        return digest[:16]

    @property
    def peer_url(self) -> str:
        return f"https://{self.address}:2380"

    @property
    def client_url(self) -> str:
        return f"https://{self.address}:2379"


class EtcdCluster:
    def __init__(self, members: list[Member], *, seed: int = 0, clock: Callable[[], float] = lambda: 0.0) -> None:
        if not members:
            raise ValueError("an etcd cluster needs at least one member")
        self.members = members
        self.term = 1
        self.leader: str | None = None
        #: Raft's randomized election timeouts, drawn from a source of their own so that the
        #: cluster's other random choices do not depend on how many elections ran.
        self._rng = random.Random(f"raft/{seed}")
        self._clock = clock
        #: (virtual time, member name, message), oldest first.
        self.log: deque[tuple[float, str, str]] = deque(maxlen=LOG_LINES)
        self._elect()

    # ----------------------------------------------------------------- reading
    @property
    def quorum(self) -> int:
        return len(self.members) // 2 + 1

    def member(self, name: str) -> Member:
        for member in self.members:
            if member.name == name:
                return member
        raise KeyError(name)

    def running(self) -> list[Member]:
        return [m for m in self.members if m.running]

    def has_quorum(self) -> bool:
        return self.leader is not None

    def require_quorum(self) -> None:
        """Raise :class:`NoQuorumError` unless a leader can commit a proposal now."""
        if self.leader is None:
            raise NoQuorumError()

    def health(self, name: str) -> tuple[bool, str]:
        """The storage probe's answer for one member: a quorum read through it succeeds when it
        runs and a leader exists."""
        member = self.member(name)
        if member.running and self.leader is not None:
            return True, "ok"
        return False, HEALTH_TIMED_OUT

    def component_statuses(self) -> list[dict]:
        """``kubectl get cs``'s etcd rows: ``etcd-<i>`` for the i-th of kube-apiserver's
        ``--etcd-servers``, ``ok`` when a read through it succeeds, else the probe's error."""
        out = []
        for i, member in enumerate(self.members):
            healthy, answer = self.health(member.name)
            condition = {"type": "Healthy", "status": "True" if healthy else "False",
                         "message": answer if healthy else ""}
            if not healthy:
                condition["error"] = answer
            out.append({"metadata": {"name": f"etcd-{i}"}, "conditions": [condition]})
        return out

    def state(self) -> dict:
        return {"term": self.term, "leader": self.leader, "quorum": self.quorum,
                "members": [{"name": m.name, "id": m.id, "client_url": m.client_url, "peer_url": m.peer_url,
                             "running": m.running, "leader": m.name == self.leader} for m in self.members]}

    def logs(self, name: str) -> list[tuple[float, str]]:
        """What one member logged, as ``kubectl logs`` of its static pod shows it."""
        return [(t, message) for t, who, message in self.log if who == name]

    # ----------------------------------------------------------------- changes
    def stop(self, name: str) -> None:
        member = self.member(name)
        if not member.running:
            return
        member.running = False
        if self.leader == name:
            self.leader = None
            for other in self.running():
                self._say(other, f"raft.node: {other.id} lost leader {member.id} at term {self.term}")
        elif self.leader is not None and len(self.running()) < self.quorum:
            leader = self.member(self.leader)
            self._say(leader, f"{leader.id} stepped down to follower since quorum is not active")
            self._say(leader, f"{leader.id} became follower at term {self.term}")
            for other in self.running():
                self._say(other, f"raft.node: {other.id} lost leader {leader.id} at term {self.term}")
            self.leader = None
        self._elect()

    def start(self, name: str) -> None:
        member = self.member(name)
        if member.running:
            return
        member.running = True
        self._say(member, f"{member.id} became follower at term {self.term}")
        if self.leader is not None:
            leader = self.member(self.leader)
            self._say(member, f"raft.node: {member.id} elected leader {leader.id} at term {self.term}")
        self._elect()

    def _elect(self) -> None:
        """With no leader and a quorum running, the member whose election timeout fires first
        campaigns, wins the votes of the others and leads for a new term."""
        if self.leader is not None:
            return
        running = self.running()
        if len(running) < self.quorum:
            return
        timeouts = {m.name: self._rng.uniform(1.0, 2.0) for m in running}
        candidate = self.member(min(timeouts, key=lambda n: (timeouts[n], n)))
        self._say(candidate, f"{candidate.id} is starting a new election at term {self.term}")
        self.term += 1
        self._say(candidate, f"{candidate.id} became candidate at term {self.term}")
        for voter in running:
            if voter is not candidate:
                self._say(candidate, f"{candidate.id} received MsgVoteResp from {voter.id} at term {self.term}")
        self._say(candidate, f"{candidate.id} became leader at term {self.term}")
        self.leader = candidate.name
        for member in running:
            self._say(member, f"raft.node: {member.id} elected leader {candidate.id} at term {self.term}")

    def _say(self, member: Member, message: str) -> None:
        self.log.append((self._clock(), member.name, message))
