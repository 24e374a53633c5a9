from __future__ import annotations

import pytest

from simulation.apimachinery.corev1 import normalized_image_name
from simulation.scheduler.framework.node_info import Snapshot
from simulation.scheduler.plugins.image_locality import ImageLocality
from tests.simulation.scheduler.builders import node, pod, run_scores

MB = 1024 * 1024


def image(name, size_mb):
    return [{"names": [name], "sizeBytes": size_mb * MB}]


CASES = [
    # 500MB on 1 of 2 nodes: scaled to 250MB; (250-23)*100 // (1000-23) = 23.
    ("big image on half the nodes", [image("big:1", 500), []], "big:1", [23, 0]),
    # Everywhere: 500MB counts fully, (500-23)*100 // 977 = 48 on both.
    ("image on every node", [image("big:1", 500), image("big:1", 500)], "big:1", [48, 48]),
    ("below 23MB scores nothing", [image("tiny:1", 10), []], "tiny:1", [0, 0]),
    ("tag-less name means latest", [image("big:latest", 500), []], "big", [23, 0]),
]


@pytest.mark.parametrize("images,wanted,expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_image_locality(images, wanted, expected):
    snapshot = Snapshot([node(f"n{i}", images=imgs) for i, imgs in enumerate(images)])
    raw, normalized = run_scores(ImageLocality(), pod(image=wanted), snapshot)
    assert raw == normalized == expected


@pytest.mark.parametrize("name,expected", [("nginx", "nginx:latest"), ("nginx:1.25", "nginx:1.25"),
                                           ("host:5000/app", "host:5000/app:latest")], ids=str)
def test_normalized_image_name(name, expected):
    assert normalized_image_name(name) == expected


def test_snapshot_tracks_image_spread_as_nodes_change():
    snapshot = Snapshot([node("a", images=image("x:1", 100)), node("b", images=image("x:1", 100))])
    assert snapshot.image_num_nodes == {"x:1": 2}
    snapshot.add_node(node("b"))
    assert snapshot.image_num_nodes == {"x:1": 1}
    snapshot.remove_node("a")
    assert snapshot.image_num_nodes == {}
