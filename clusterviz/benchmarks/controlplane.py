"""``bench scheduler`` and ``bench deploy``: the headless control-plane benchmarks of
:mod:`simulation.benchmarks`, printed beside upstream's published bounds."""
from __future__ import annotations

import os

from clusterviz.clusters import collector
from simulation import benchmarks

from .memory import peak_rss_mib, rss_mib


def run_scheduler(options: dict) -> str:
    collector.tune()
    lines = ["bench scheduler (headless, in-memory store, full API pipeline, informers, pods/binding)"]
    sizes = [(500, options.get("count") or 1_000), (5_000, options.get("count") or 10_000)]
    for nodes, pods in sizes:
        r = benchmarks.scheduler(nodes, pods)
        lines.append(f"  {nodes:>5} nodes, {pods:>6} pods: {r['scheduled']} scheduled in {r['seconds']:.1f} s = "
                     f"{r['pods_per_second']:.0f} pods/s ({r['cpu_seconds']:.1f} s of CPU) — kube-scheduler's "
                     f"scheduler_perf threshold for SchedulingBasic 5000Nodes_10000Pods: "
                     f"{r['upstream_threshold']} pods/s; ratio {r['pods_per_second'] / r['upstream_threshold']:.2f}")
    return "\n".join(lines)


def run_deploy(options: dict) -> str:
    collector.tune()
    replicas = options.get("count") or 10_000
    nodes = max(1, replicas // 10)
    rss_before = rss_mib(os.getpid())
    r = benchmarks.deploy(nodes, replicas)
    rss_after, peak = rss_mib(os.getpid()), peak_rss_mib(os.getpid())
    per_10k = (rss_after - rss_before) * 10_000 / replicas
    return (f"bench deploy (headless, {nodes} kubelets, a {replicas}-replica Deployment)\n"
            f"  {r['running']}/{replicas} Running after {r['seconds']:.1f} s wall, {r['cpu_seconds']:.1f} s of CPU "
            f"({r['virtual_seconds']:.1f} s virtual); KWOK's CI bound for 10,000 pods: {r['kwok_bound_seconds']} s "
            f"(ratio {r['seconds'] / r['kwok_bound_seconds']:.2f})\n"
            f"  resident memory: {rss_before:.0f} MiB before the cluster, {rss_after:.0f} MiB at the end "
            f"(peak {peak:.0f} MiB): {per_10k:.0f} MiB per 10,000 pods"
            + ("" if replicas == 10_000 else " (scaled linearly; the watch cache's bound makes it an upper bound)"))
