"""A created object's uid is the text ``uuid.UUID(int=bits, version=4)`` prints, built
without the object (:func:`strategy.uuid4_string`)."""
from __future__ import annotations

import random
import uuid

from simulation.apiserver.strategy import uuid4_string


def test_the_uid_text_is_the_uuid_module_s() -> None:
    rng = random.Random(7)
    for bits in [0, 2 ** 128 - 1, 1 << 76, 0xC000 << 48] + [rng.getrandbits(128) for _ in range(20_000)]:
        assert uuid4_string(bits) == str(uuid.UUID(int=bits, version=4))
