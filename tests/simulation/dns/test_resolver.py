"""A pod's stub resolver: the search path and ndots as glibc applies them."""
from __future__ import annotations

import pytest

from simulation.dns.records import NOERROR, NXDOMAIN, Answer, Record
from simulation.dns.resolver import ResolvConf, search

POD_RESOLV_CONF = ("search default.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\n"
                   "options ndots:5\n")


@pytest.mark.parametrize("name,expected", [
    ("kubia", ["kubia.default.svc.cluster.local.", "kubia.svc.cluster.local.", "kubia.cluster.local.", "kubia."]),
    ("kubia.other", ["kubia.other.default.svc.cluster.local.", "kubia.other.svc.cluster.local.",
                     "kubia.other.cluster.local.", "kubia.other."]),
    ("a.b.c.d.e.f", ["a.b.c.d.e.f.", "a.b.c.d.e.f.default.svc.cluster.local.", "a.b.c.d.e.f.svc.cluster.local.",
                     "a.b.c.d.e.f.cluster.local."]),
    ("kubia.default.svc.cluster.local.", ["kubia.default.svc.cluster.local."]),
], ids=["short", "two-labels", "ndots-reached", "absolute"])
def test_candidates_follow_ndots_and_the_search_path(name, expected):
    conf = ResolvConf.parse(POD_RESOLV_CONF)
    assert (conf.nameservers, conf.ndots) == (["10.96.0.10"], 5)
    assert conf.candidates(name) == expected


def test_search_stops_at_the_first_name_with_records_and_times_out_without_a_server():
    conf = ResolvConf.parse(POD_RESOLV_CONF)
    asked = []

    def ask(name, qtype):
        asked.append(name)
        if name == "kubia.other.svc.cluster.local.":
            return Answer(NOERROR, [Record(name, "A", "10.96.0.7")])
        return Answer(NXDOMAIN)

    found = search(conf, "kubia.other", "A", ask)
    assert (found.name, [r.value for r in found.answer.records]) == ("kubia.other.svc.cluster.local.", ["10.96.0.7"])
    assert asked == ["kubia.other.default.svc.cluster.local.", "kubia.other.svc.cluster.local."]
    assert search(conf, "kubia", "A", lambda name, qtype: None).timed_out
