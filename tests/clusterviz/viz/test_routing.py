"""A websocket path no route matches is refused with a close, not a 500."""
from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator

from clusterviz.viz.routing import WebsocketRouter


@pytest.mark.parametrize("path", ["/ws/clusters/demo/../other/", "/ws/nothing-here/"])
def test_an_unknown_websocket_path_is_closed_with_4404(path):
    communicator = WebsocketCommunicator(WebsocketRouter(), path)

    connected, code = async_to_sync(communicator.connect)()

    assert (connected, code) == (False, 4404)
