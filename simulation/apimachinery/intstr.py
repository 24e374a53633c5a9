"""``k8s.io/apimachinery/pkg/util/intstr``: the int-or-percent fields of rolling updates
(``maxSurge``, ``maxUnavailable``) that the Deployment and DaemonSet controllers share."""
from __future__ import annotations

import math
from typing import Any


def scaled_value_from_int_or_percent(value: Any, total: int, round_up: bool) -> int:
    """``GetScaledValueFromIntOrPercent``: an int, or a percentage of ``total`` rounded as asked."""
    if value is None:
        return 0
    if isinstance(value, int):
        return value
    text = str(value)
    if not text.endswith("%"):
        try:
            return int(text)
        except ValueError:
            raise ValueError(f"invalid value for IntOrString: invalid value {text!r}") from None
    percent = int(text[:-1])
    exact = percent * total / 100
    return math.ceil(exact) if round_up else math.floor(exact)
