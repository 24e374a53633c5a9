"""Ages as kubectl's columns print them: upstream's ``duration.HumanDuration`` table; Time and
MicroTime as upstream writes them."""
from __future__ import annotations

import datetime
import time

import pytest

from simulation.apimachinery.timestamps import go_duration, human_duration, rfc3339, rfc3339_micro

DURATION_CASES = [
    (0, "0s"), (-1.5, "0s"), (-2, "<invalid>"), (59.9, "59s"), (90, "90s"), (119, "119s"),
    (120, "2m"), (192, "3m12s"), (599, "9m59s"), (600, "10m"), (3600, "60m"), (10799, "179m"),
    (3 * 3600, "3h"), (3 * 3600 + 30 * 60, "3h30m"), (8 * 3600 + 59 * 60, "8h"), (47 * 3600, "47h"),
    (48 * 3600, "2d"), (2 * 86400 + 5 * 3600, "2d5h"), (8 * 86400, "8d"), (400 * 86400, "400d"),
    (730 * 86400, "2y"), (770 * 86400, "2y40d"), (9 * 365 * 86400, "9y"),
]


@pytest.mark.parametrize("seconds, expected", DURATION_CASES, ids=[c[1] + f"@{c[0]}" for c in DURATION_CASES])
def test_human_duration(seconds, expected):
    assert human_duration(seconds) == expected


@pytest.mark.parametrize("seconds, expected", [
    (0.005, "5ms"), (0.5, "500ms"), (2.5, "2.5s"), (8.021, "8.021s"), (60, "1m0s"), (65.2, "1m5.2s"),
    (101.2064, "1m41.206s"),
], ids=lambda v: str(v))
def test_go_duration(seconds, expected):
    assert go_duration(seconds) == expected


@pytest.mark.parametrize("epoch", [0.0, 1765000000.0, 1765000000.5, 1765000000.0000005, 1765000000.9999996,
                                   1765123456.123456, 4102444800.000001],
                         ids=["epoch", "whole-second", "half", "half-microsecond", "rounds-up-a-second",
                              "micro-digits", "year-2100"])
def test_micro_time_has_strftimes_digits(epoch: float) -> None:
    expected = datetime.datetime.fromtimestamp(epoch, datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    assert rfc3339_micro(epoch) == expected


@pytest.mark.parametrize("epoch", [0.0, 1765000000.0, 1765000000.999, -0.5, -1.0, 4102444800.25],
                         ids=["epoch", "whole-second", "just-before-the-next", "half-before-epoch", "second-before-epoch",
                              "year-2100"])
def test_time_is_gmtimes_second(epoch: float) -> None:
    assert rfc3339(epoch) == time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))
