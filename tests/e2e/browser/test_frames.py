"""The websocket's frames stay under daphne's 1 MiB message limit however busy 50 ms get:
big messages are split along their list, and each frame gets the next sequence number."""
from __future__ import annotations

import asyncio
import json
import threading

from clusterviz.viz import consumers


def test_a_message_past_the_frame_limit_is_split_along_its_list() -> None:
    records = [{"name": f"r{i}", "message": "x" * 1000} for i in range(2000)]  # ~2 MB
    pieces = consumers._pieces({"type": "audit.records", "records": records})
    assert len(pieces) > 2
    assert all(len(p) <= consumers.MAX_FRAME_BYTES for p in pieces)
    back = [r for p in pieces for r in json.loads(p)["records"]]
    assert back == records
    assert all(json.loads(p)["type"] == "audit.records" for p in pieces)


def test_a_busy_batch_goes_out_as_numbered_frames_under_the_limit() -> None:
    sent: list[str] = []

    class Fake(consumers.ClusterConsumer):
        def __init__(self) -> None:
            self.seq = 0

        async def send(self, text_data=None, bytes_data=None, close=False) -> None:  # noqa: ANN001
            sent.append(text_data)

    steps = [{"seq": i, "caption": "y" * 500} for i in range(3000)]
    batch = [{"type": "hello"}, {"type": "sim.steps", "steps": steps}, {"type": "audit.records", "records": []}]
    # in a thread of its own: the session's Playwright keeps an event loop running in this one
    worker = threading.Thread(target=lambda: asyncio.run(Fake()._send_frames(batch)))
    worker.start()
    worker.join(30)
    frames = [json.loads(text) for text in sent]
    assert [f["seq"] for f in frames] == list(range(1, len(frames) + 1))
    assert all(len(text.encode()) < 1024 * 1024 for text in sent)
    messages = [m for f in frames for m in f["messages"]]
    assert [m["type"] for m in messages][0] == "hello" and messages[-1]["type"] == "audit.records"
    assert [s["seq"] for m in messages if m["type"] == "sim.steps" for s in m["steps"]] == list(range(3000))
