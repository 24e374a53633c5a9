"""Score normalization shared by plugins (upstream ``plugins/helper/normalize_score.go``)."""
from __future__ import annotations

from ..framework.interface import MAX_NODE_SCORE


def default_normalize_score(scores: list[int], reverse: bool, max_priority: int = MAX_NODE_SCORE) -> None:
    """Scale in place so the highest score becomes ``max_priority`` (integer division, as upstream);
    ``reverse`` flips it so that fewer counts score higher. All zeros stay 0 (or all max if reversed)."""
    max_count = max(scores, default=0)
    if max_count <= 0:
        if reverse:
            scores[:] = [max_priority] * len(scores)
        return
    for i, score in enumerate(scores):
        scaled = max_priority * score // max_count
        scores[i] = max_priority - scaled if reverse else scaled
