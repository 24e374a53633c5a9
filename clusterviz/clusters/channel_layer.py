"""The in-memory channel layer of the one-process install, without the costs that made the
cluster page's fan-out slow.

Channels' :class:`~channels.layers.InMemoryChannelLayer` copies every message for every
member of a group (``deepcopy``), spawns a task per member on ``group_send``, and sweeps
every channel and group for expired messages on every send and receive: with 100 pages on a
cluster, one audit batch cost 100 copies, 100 tasks and 200 sweeps of 100 queues. Here a
message is shared by its receivers (every consumer of ours treats received messages as
read-only, as a message that came through Redis would be), a group send puts straight into
the members' queues (a put never waits), and the expiry sweep runs at most once a second.
Capacity, expiry and group expiry keep their meaning.
"""
from __future__ import annotations

import asyncio
import time

from channels.exceptions import ChannelFull
from channels.layers import InMemoryChannelLayer


class InProcessChannelLayer(InMemoryChannelLayer):
    #: The least time between two sweeps for expired messages and group memberships.
    SWEEP_SECONDS = 1.0

    def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003 - the parent's options
        super().__init__(*args, **kwargs)
        self._swept = 0.0

    def _clean_expired(self) -> None:
        now = time.monotonic()
        if now - self._swept >= self.SWEEP_SECONDS:
            self._swept = now
            super()._clean_expired()

    async def send(self, channel: str, message: dict) -> None:
        assert isinstance(message, dict), "message is not a dict"
        self.require_valid_channel_name(channel)
        assert "__asgi_channel__" not in message
        self._clean_expired()
        self._put(channel, message)

    def _put(self, channel: str, message: dict) -> None:
        queue = self.channels.setdefault(channel, asyncio.Queue(maxsize=self.get_capacity(channel)))
        try:
            queue.put_nowait((time.time() + self.expiry, message))
        except asyncio.QueueFull:
            raise ChannelFull(channel) from None

    async def group_send(self, group: str, message: dict) -> None:
        assert isinstance(message, dict), "Message is not a dict"
        self.require_valid_group_name(group)
        self._clean_expired()
        for channel in list(self.groups.get(group, ())):
            try:
                self._put(channel, message)
            except ChannelFull:
                pass  # as the parent: a full member misses the message and resyncs on the gap
