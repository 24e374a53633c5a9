"""The one error of the control API's verbs (the cluster and its mixins raise it)."""


class SimulationError(ValueError):
    """A control request that cannot be carried out (unknown component, bad fault)."""
