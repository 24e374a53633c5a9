"""kube-controller-manager: one process hosting many controllers, sharing its informers,
running only while it holds the ``kube-controller-manager`` lease when replicated."""
from __future__ import annotations

from simulation.apimachinery.wellknown import KUBE_CONTROLLER_MANAGER
from simulation.client.component import Component

from .base import Controller
from .registry import CONTROLLERS


class ControllerManager(Component):
    kind = "controller-manager"

    def __init__(self, *args, controllers: tuple[str, ...] | None = None, **kwargs) -> None:
        kwargs.setdefault("lease_name", KUBE_CONTROLLER_MANAGER)
        super().__init__(*args, **kwargs)
        self.enabled = controllers or tuple(CONTROLLERS)
        self.controllers: dict[str, Controller] = {}

    def event_source(self) -> str:
        """Every replica records as ``kube-controller-manager`` (its leader-election Events)."""
        return KUBE_CONTROLLER_MANAGER

    def run(self) -> None:
        self.controllers = {name: CONTROLLERS[name](self) for name in self.enabled}
        for controller in self.controllers.values():
            controller.setup()

    def on_stop(self) -> None:
        for controller in self.controllers.values():
            controller.queue.shut_down()
        self.controllers = {}

    def status(self) -> dict:
        return {**super().status(), "queue": sum(len(c.queue) for c in self.controllers.values()),
                "controllers": [c.status() for c in self.controllers.values()]}
