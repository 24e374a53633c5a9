"""The simulation kernel: virtual time, the actions components take, and how they are paced."""
from .kernel import Action, ActionResult, Kernel, Step, Timer
from .pacing import Pacer

__all__ = ["Action", "ActionResult", "Kernel", "Pacer", "Step", "Timer"]
