"""A component's state in the words ``manage.py sim`` and lessons print, one line each."""
from __future__ import annotations


def component_line(c: dict) -> str:
    """``kube-scheduler: running (leader)``; a component that runs in a kube-system pod says what
    its container does."""
    leader = {True: " (leader)", False: " (standby)"}.get(c.get("leader"), "")
    hosted = ""
    if c.get("held_down"):
        hosted = " (its container crashes each time the kubelet restarts it: CrashLoopBackOff)"
    elif c.get("held_down") is False and c["state"] != "running":
        hosted = " (runs in a kube-system pod: starts when the kubelet restarts its container)"
    return f"{c['name']}: {c['state']}{leader}{hosted}"
