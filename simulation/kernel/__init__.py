"""The simulation kernel: virtual time, the actions components take, and how they are paced."""
from .kernel import API_SERVER, ETCD, Action, ActionResult, Kernel, Step, Timer
from .pacing import Pacer

__all__ = ["API_SERVER", "ETCD", "Action", "ActionResult", "Kernel", "Pacer", "Step", "Timer"]
