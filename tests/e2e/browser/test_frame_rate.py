"""The diagram keeps drawing under load: 50 nodes, 500 pods, and a stream of pod updates
(each one an audit record animated across the API server and a watch event that redraws
the pod). Behaviour only: frames keep coming, everything is drawn, no JS errors. The frame
rate itself is a benchmark: ``python manage.py bench frames`` (aim ≥ 30 frames/s)."""
from __future__ import annotations

import time
import uuid

from clusterviz.benchmarks import frames

from .conftest import ARTIFACTS

MEASURE_MS = 3000


def test_fifty_nodes_and_five_hundred_pods_keep_drawing_under_a_stream_of_writes(page, server, shot) -> None:
    cluster = f"fps-{uuid.uuid4().hex[:6]}"
    load = frames.prepare(server, cluster)
    frames.open_cluster(page, server.http_url, cluster, load)

    with frames.streaming(load) as writes:
        time.sleep(1)
        result = frames.measure(page, MEASURE_MS)
    assert writes[0] > 0, "no pod writes were sent"
    assert result["frames"] > 1, result  # the page kept drawing (rAF kept firing) while the writes streamed
    assert page.locator("svg .node").count() == frames.NODES
    assert page.locator("svg .pod").count() == frames.PODS
    assert not page.errors, page.errors
    shot(page, "12-fifty-nodes")

    line = (f"{frames.NODES} nodes, {frames.PODS} pods, ~{frames.WRITES_PER_SECOND} pod writes/s "
            f"streaming: {result['fps']:.1f} frames/s, worst frame {result['worst_frame_ms']:.0f} ms "
            "(headless Chromium; informational, see `manage.py bench frames`)")
    print(line)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "frame-rate.txt").write_text(line + "\n")
