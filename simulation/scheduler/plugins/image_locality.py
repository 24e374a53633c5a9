"""ImageLocality: prefer nodes that already hold the pod's images, weighted by image size and
scaled by how many nodes have the image (an image everywhere gives no reason to pick one node,
and counting it fully would pile pods onto nodes that pulled it first)."""
from __future__ import annotations

from ..framework.interface import MAX_NODE_SCORE, CycleState, ScorePlugin
from ..framework.node_info import NodeInfo, PodInfo

_MB = 1024 * 1024
MIN_THRESHOLD = 23 * _MB
MAX_CONTAINER_THRESHOLD = 1000 * _MB


def calculate_priority(sum_scores: int, num_containers: int) -> int:
    max_threshold = MAX_CONTAINER_THRESHOLD * num_containers
    if sum_scores < MIN_THRESHOLD:
        sum_scores = MIN_THRESHOLD
    elif sum_scores > max_threshold:
        sum_scores = max_threshold
    return MAX_NODE_SCORE * (sum_scores - MIN_THRESHOLD) // (max_threshold - MIN_THRESHOLD)


class ImageLocality(ScorePlugin):
    name = "ImageLocality"

    def score(self, state: CycleState, pod: PodInfo, node_info: NodeInfo) -> int:
        return self.score_nodes(state, pod, [node_info])[0]

    def score_nodes(self, state: CycleState, pod: PodInfo, nodes: list[NodeInfo]) -> list[int]:
        snapshot = state.snapshot
        # Each image counts its size scaled by the share of nodes holding it.
        spread = {name: snapshot.image_num_nodes.get(name, 0) / len(snapshot) for name in pod.normalized_images}
        if not any(spread.values()):
            return [0] * len(nodes)  # no node holds any of the images: every total is 0, and so is its score
        num_containers = len(pod.images)
        scores = []
        for ni in nodes:
            sizes = ni.image_sizes
            if not sizes:
                scores.append(0)  # calculate_priority(0, n) is 0 for any n
                continue
            total = 0
            for name in pod.normalized_images:
                size = sizes.get(name)
                if size is not None:
                    total += int(size * spread[name])
            scores.append(calculate_priority(total, num_containers))
        return scores
