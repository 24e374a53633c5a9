"""The bridge CNI plugin and host-local IPAM on one node: ADD gives a veth pair and an address
from the podCIDR, DEL takes both back, no address is held twice, and an exhausted range fails
with host-local's words (which the kubelet's FailedCreatePodSandBox Event then carries)."""
from __future__ import annotations

import random
import re

import pytest

from simulation.network.cni import BridgeNetwork, CNIError, HostLocalIPAM


def network(cidr: str = "10.244.1.0/24", seed: int = 1) -> BridgeNetwork:
    return BridgeNetwork("node-1", cidr, random.Random(seed).getrandbits)


def test_add_links_the_sandbox_to_cni0_with_a_veth_named_as_the_bridge_plugin_names_it():
    net = network()
    pair = net.add("sandbox-a", "default", "web", "uid-a")
    assert net.bridge_ip == "10.244.1.1"
    assert pair.ip == "10.244.1.2"  # .1 is the gateway, the bridge's own address
    assert re.fullmatch(r"veth[0-9a-f]{8}", pair.host_ifname), pair.host_ifname
    assert pair.ifindex == 4 and pair.pod == "default/web" and pair.netns.startswith("cni-")
    assert net.by_ip("10.244.1.2") is pair and net.veth_of("sandbox-a") is pair
    second = net.add("sandbox-b", "default", "db", "uid-b")
    assert (second.ip, second.ifindex) == ("10.244.1.3", 5) and second.host_ifname != pair.host_ifname


def test_del_removes_the_pair_and_releases_the_address_and_is_idempotent():
    net = network()
    pair = net.add("sandbox-a", "default", "web", "uid-a")
    assert net.delete("sandbox-a") is pair
    assert net.veths() == [] and net.by_ip(pair.ip) is None and net.ipam.allocated() == {}
    assert net.delete("sandbox-a") is None  # CNI: deleting what is gone succeeds
    # host-local goes on after the last address it handed out: the released one is not reused at once
    assert net.add("sandbox-b", "default", "web", "uid-b").ip == "10.244.1.3"


def test_same_seed_same_veth_names():
    def names(seed: int) -> list[str]:
        net = network(seed=seed)
        return [net.add(f"s{i}", "default", f"p{i}", f"u{i}").host_ifname for i in range(3)]
    assert names(3) == names(3) and names(3) != names(4)


def test_no_address_is_handed_out_twice_under_churn():
    net = network("10.244.1.0/28")  # 14 hosts: .1 the gateway, .2-.14 for pods
    rng = random.Random(9)
    live: dict[str, str] = {}
    for i in range(500):
        if live and (len(live) == 13 or rng.random() < 0.4):
            victim = rng.choice(sorted(live))
            net.delete(victim)
            del live[victim]
        else:
            live[f"s{i}"] = net.add(f"s{i}", "default", f"p{i}", f"u{i}").ip
        assert len(set(live.values())) == len(live)
        assert "10.244.1.1" not in live.values()
        assert {v.ip for v in net.veths()} == set(live.values())


def test_an_exhausted_range_fails_with_host_locals_words_and_allocates_nothing():
    net = network("10.244.1.0/29")  # .1 gateway, .2-.6 for pods
    for i in range(5):
        net.add(f"s{i}", "default", f"p{i}", f"u{i}")
    with pytest.raises(CNIError) as failed:
        net.add("s5", "default", "p5", "u5")
    assert str(failed.value) == ('plugin type="bridge" failed (add): failed to allocate for range 0: no IP addresses '
                                 'available in range set: 10.244.1.1-10.244.1.6')
    assert len(net.veths()) == 5 and net.veth_of("s5") is None
    net.delete("s2")
    assert net.add("s6", "default", "p6", "u6").ip == "10.244.1.4"


def test_ipam_range_set_is_the_subnets_host_addresses():
    assert HostLocalIPAM("10.244.3.0/24").range_set() == "10.244.3.1-10.244.3.254"
