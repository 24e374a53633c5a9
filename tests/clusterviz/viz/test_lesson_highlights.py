"""A lesson step's highlighted objects light cards on the diagram: the page finds a card by
the resource's kind in its own list of watched resources (``lessons.js`` through
``WATCHABLE``), so a highlight naming a resource the page does not watch lights nothing."""
from __future__ import annotations

import pytest

from clusterviz.viz.consumers import WATCHABLE
from simulation.scenarios import shipped

def _cases() -> list:
    return [pytest.param(s, id=s.id) for s in shipped()]


@pytest.mark.parametrize("scenario", _cases())
def test_every_highlighted_object_is_of_a_resource_the_page_draws(scenario) -> None:  # noqa: ANN001
    unseen = [f"step {i + 1}: {ref}" for i, step in enumerate(scenario.steps)
              for ref in step.highlight.objects if ref.split("/")[0] not in WATCHABLE]
    assert not unseen, f"{scenario.id} highlights objects the page neither lists nor draws: {unseen}"
