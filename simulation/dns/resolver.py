"""A pod's stub resolver: the ``/etc/resolv.conf`` the kubelet wrote, read as glibc's (and
musl's) resolver reads it, and the order in which it tries names.

``options ndots:5`` with ``search <ns>.svc.cluster.local svc.cluster.local cluster.local``
is why ``curl http://kubia`` works: a name with fewer than five dots is tried with each search
domain first (``kubia.default.svc.cluster.local`` answers), and only then as it is. A name
ending in a dot is tried only as it is. The first candidate that answers with records wins;
NXDOMAIN and NODATA move on to the next; a timeout ends the search.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from .records import Answer

#: glibc's default when resolv.conf names no ``ndots``.
DEFAULT_NDOTS = 1


@dataclass
class ResolvConf:
    nameservers: list[str] = field(default_factory=list)
    search: list[str] = field(default_factory=list)
    ndots: int = DEFAULT_NDOTS

    @classmethod
    def parse(cls, text: str) -> ResolvConf:
        conf = cls()
        for line in text.splitlines():
            words = line.split("#", 1)[0].split()
            if not words:
                continue
            if words[0] == "nameserver" and len(words) > 1:
                conf.nameservers.append(words[1])
            elif words[0] in ("search", "domain"):
                conf.search = words[1:]
            elif words[0] == "options":
                for option in words[1:]:
                    if option.startswith("ndots:") and option[6:].isdigit():
                        conf.ndots = min(int(option[6:]), 15)
        return conf

    def candidates(self, name: str) -> list[str]:
        """The absolute names tried for ``name``, in order (``res_nsearch``)."""
        if name.endswith("."):
            return [name]
        searched = [f"{name}.{domain}." for domain in self.search]
        if name.count(".") >= self.ndots:
            return [f"{name}."] + searched
        return searched + [f"{name}."]


#: ``ask(absolute name, type) -> Answer``, or None when no server answered (timed out).
Ask = Callable[[str, str], "Answer | None"]


@dataclass
class Lookup:
    """What a search found: the name that answered and its answer, the last negative answer,
    or ``timed_out``."""

    name: str = ""
    answer: Answer | None = None
    timed_out: bool = False
    tried: list[str] = field(default_factory=list)


def search(conf: ResolvConf, name: str, qtype: str, ask: Ask) -> Lookup:
    result = Lookup()
    for candidate in conf.candidates(name):
        result.tried.append(candidate)
        answer = ask(candidate, qtype)
        if answer is None:
            return Lookup(candidate, None, True, result.tried)
        result.name, result.answer = candidate, answer
        if answer.records:
            return result
    return result
