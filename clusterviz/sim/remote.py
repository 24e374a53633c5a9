"""Control operations for kernels hosted by another process (``manage.py simworker``),
carried over the channel layer: the request goes to the cluster's control channel, which
only the owning worker reads; the answer comes back on a reply channel of the caller's.
A request nobody answered in time is dropped, never carried out late.
"""
from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import get_channel_layer

from simulation.cluster import SimulationError

REPLY_TIMEOUT_SECONDS = 10.0
#: First pause before a failed control listener starts again; doubled while it keeps failing.
RESTART_PAUSE_SECONDS = 0.5
MAX_RESTART_PAUSE_SECONDS = 10.0

logger = logging.getLogger(__name__)


def control_channel(cluster_name: str) -> str:
    return f"clusterviz-sim.{cluster_name}"


class WorkerUnavailable(SimulationError):
    """No worker answered: none owns the cluster, or it is busy or gone."""


def call(cluster_name: str, op: dict, timeout: float = REPLY_TIMEOUT_SECONDS) -> Any:
    layer = get_channel_layer()

    async def rpc() -> dict:
        reply = await layer.new_channel("clusterviz-sim-reply.")
        await layer.send(control_channel(cluster_name), {"type": "sim.control", "op": op, "reply": reply,
                                                         "expires": time.time() + timeout})
        try:
            return await asyncio.wait_for(layer.receive(reply), timeout)
        except Exception as exc:  # noqa: BLE001 - asyncio's timeout, or the Redis client's own
            raise WorkerUnavailable(f"no simulation worker answered for cluster {cluster_name!r} within "
                                    f"{timeout:g} s: is `python manage.py simworker` running?") from exc

    message = async_to_sync(rpc)()
    if not message.get("ok"):
        raise SimulationError(message.get("error", "the worker could not carry out the operation"))
    return message["result"]


async def serve(host: Any) -> None:
    """Answer control requests for ``host``'s cluster until cancelled (runs in the worker).

    A listener that dies leaves every control request unread (the page and ``sim`` time out,
    ``get cs`` says Unhealthy while the kernel runs), so a failure is logged with its traceback
    and the listener starts again, after a pause that grows while failures repeat."""
    pause = RESTART_PAUSE_SECONDS
    while True:
        started = time.monotonic()
        try:
            await _answer(host)
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001 - whatever broke it (Redis gone, a bug), keep serving
            logger.exception("control listener of cluster %r failed; restarting it in %g s", host.name, pause)
            await asyncio.sleep(pause)
            pause = RESTART_PAUSE_SECONDS if time.monotonic() - started > MAX_RESTART_PAUSE_SECONDS \
                else min(pause * 2, MAX_RESTART_PAUSE_SECONDS)


async def _answer(host: Any) -> None:
    layer = get_channel_layer()
    execute = sync_to_async(host.execute, thread_sensitive=False)
    while True:
        message = await layer.receive(control_channel(host.name))
        if message.get("expires", 0) < time.time():
            continue  # its caller gave up (and told its user so): carrying it out now would surprise
        try:
            reply = {"type": "sim.reply", "ok": True, "result": await execute(message["op"])}
        except (SimulationError, KeyError, TypeError, ValueError) as exc:
            reply = {"type": "sim.reply", "ok": False, "error": str(exc)}
        await layer.send(message["reply"], reply)
