from __future__ import annotations

from typing import Any

from channels.routing import URLRouter
from django.urls import path

from . import consumers

websocket_urlpatterns = [
    path("ws/clusters/<slug:name>/", consumers.ClusterConsumer.as_asgi()),
]


class WebsocketRouter:
    """The websocket routes, refusing a path none of them matches (``/ws/clusters/a/../b/``)
    with a close instead of the 500 Channels' router answers with."""

    def __init__(self) -> None:
        self.router = URLRouter(websocket_urlpatterns)

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        try:
            await self.router(scope, receive, send)
        except ValueError as exc:
            if not str(exc).startswith("No route found for path"):
                raise
            await send({"type": "websocket.close", "code": 4404})
