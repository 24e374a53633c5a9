"""Kubernetes resource quantities ("100m", "1Gi", "0.5", "1e3"), exact, as apimachinery's
``resource.Quantity`` parses and prints them.

Why exact: the scheduler, LimitRanger and ResourceQuota compare and add requests, and a
float would make ``0.1 + 0.2 > 0.3`` reject a pod upstream admits. Values are
:class:`fractions.Fraction`; a parsed quantity is rounded *up* to nano precision, as upstream
does ("if you want some resources, you should get some resources").

Why bounded: upstream keeps any exponent (``1e2147483647``) as a scaled decimal, but an exact
fraction of that size would never be computed. A value below a nano is still rounded up to
``1n`` exactly as upstream does, whatever its exponent; a value with more than
``MAX_DIGITS`` digits or a power of ten above ``MAX_EXPONENT`` is refused with upstream's
``ErrNumeric`` words (a deliberate difference, at sizes no resource reaches).

Why canonical printing: the API server re-serializes every object it decodes, so a user's
``cpu: 0.5`` comes back as ``500m`` and ``memory: 1024Mi`` as ``1Gi``. :meth:`Quantity.__str__`
reproduces upstream's ``CanonicalizeBytes`` so ``kubectl get -o yaml`` shows what a real
cluster shows.

    >>> str(parse_quantity("0.5")), str(parse_quantity("1024Mi")), str(parse_quantity("1e3"))
    ('500m', '1Gi', '1e3')
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Union

DECIMAL_SI = "DecimalSI"
BINARY_SI = "BinarySI"
DECIMAL_EXPONENT = "DecimalExponent"

#: Upstream's ``ErrFormatWrong`` text, which the server returns when decoding fails.
FORMAT_ERROR = ("quantities must match the regular expression "
                "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'")
SUFFIX_ERROR = "unable to parse quantity's suffix"
NUMERIC_ERROR = "unable to parse numeric part of quantity"
#: The largest quantities computed exactly (see the module's docstring).
MAX_DIGITS = 1000
MAX_EXPONENT = 1000

_DECIMAL_SUFFIXES = {"n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}
_BINARY_SUFFIXES = {"Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60}
_DECIMAL_BY_EXP = {v: k for k, v in _DECIMAL_SUFFIXES.items()}
_BINARY_BY_POWER = {v // 10: k for k, v in _BINARY_SUFFIXES.items()}
_NANO = Fraction(1, 10 ** 9)
_DIGITS = "0123456789"
_SUFFIX_CHARS = "eEinumkKMGTP"


class QuantityError(ValueError):
    """A string that is not a Kubernetes quantity; ``str(err)`` is upstream's message."""


def _round_away(value: Fraction, step: Fraction) -> Fraction:
    """Round ``value`` to a multiple of ``step``, away from zero (upstream's ``inf.RoundUp``)."""
    units = value / step
    if units.denominator == 1:
        return value
    whole = math.ceil(units) if units > 0 else math.floor(units)
    return whole * step


def _scan(text: str) -> tuple[bool, str, str, str]:
    """Upstream's ``parseQuantityString``: sign, integer digits, fraction digits, suffix."""
    positive, pos, end = True, 0, len(text)
    if pos < end and text[0] in "+-":
        positive = text[0] == "+"
        pos += 1
    while pos < end and text[pos] == "0":
        pos += 1
    start = pos
    while pos < end and text[pos] in _DIGITS:
        pos += 1
    num = text[start:pos] or "0"
    denom = ""
    if pos < end and text[pos] == ".":
        pos += 1
        start = pos
        while pos < end and text[pos] in _DIGITS:
            pos += 1
        denom = text[start:pos]
    suffix_start = pos
    while pos < end and text[pos] in _SUFFIX_CHARS:
        pos += 1
    if pos < end and text[pos] in "+-":
        pos += 1
    while pos < end and text[pos] in _DIGITS:
        pos += 1
    if pos != end:
        raise QuantityError(FORMAT_ERROR)
    return positive, num, denom, text[suffix_start:end]


def _interpret_suffix(suffix: str) -> tuple[int, int, str]:
    """(base, exponent, format) of a suffix, as upstream's ``quantitySuffixer.interpret``."""
    if suffix in _DECIMAL_SUFFIXES:
        return 10, _DECIMAL_SUFFIXES[suffix], DECIMAL_SI
    if suffix in _BINARY_SUFFIXES:
        return 2, _BINARY_SUFFIXES[suffix], BINARY_SI
    if len(suffix) > 1 and suffix[0] in "eE":
        try:
            exponent = int(suffix[1:], 10)
        except ValueError:
            raise QuantityError(SUFFIX_ERROR) from None
        if not -2 ** 63 <= exponent < 2 ** 63:  # strconv.ParseInt(..., 64) fails
            raise QuantityError(SUFFIX_ERROR)
        return 10, (exponent + 2 ** 31) % 2 ** 32 - 2 ** 31, DECIMAL_EXPONENT  # then int32(parsed), as upstream
    raise QuantityError(SUFFIX_ERROR)


@dataclass(frozen=True)
class Quantity:
    """An exact quantity and the format it prints in (the format of what was parsed)."""

    value: Fraction
    format: str = DECIMAL_SI

    @classmethod
    def parse(cls, raw: "QuantityLike") -> "Quantity":
        if isinstance(raw, Quantity):
            return raw
        if isinstance(raw, bool) or raw is None:
            raise QuantityError(FORMAT_ERROR)
        if isinstance(raw, (int, Fraction)):
            return cls(Fraction(raw), DECIMAL_SI)
        text = repr(raw) if isinstance(raw, float) else str(raw).strip()
        if not text:
            raise QuantityError(FORMAT_ERROR)
        return _parse_text(text)

    # --- arithmetic: the result keeps the left operand's format (a zero takes the right's), as upstream ---
    def __add__(self, other: "QuantityLike") -> "Quantity":
        o = Quantity.parse(other)
        return Quantity(self.value + o.value, o.format if self.value == 0 else self.format)

    def __sub__(self, other: "QuantityLike") -> "Quantity":
        o = Quantity.parse(other)
        return Quantity(self.value - o.value, o.format if self.value == 0 else self.format)

    def __neg__(self) -> "Quantity":
        return Quantity(-self.value, self.format)

    def __lt__(self, other: "Quantity") -> bool:
        return self.value < Quantity.parse(other).value

    def __le__(self, other: "Quantity") -> bool:
        return self.value <= Quantity.parse(other).value

    def __gt__(self, other: "Quantity") -> bool:
        return self.value > Quantity.parse(other).value

    def __ge__(self, other: "Quantity") -> bool:
        return self.value >= Quantity.parse(other).value

    def cmp(self, other: "QuantityLike") -> int:
        """-1, 0 or 1, as upstream's ``Quantity.Cmp``."""
        o = Quantity.parse(other).value
        return (self.value > o) - (self.value < o)

    def is_zero(self) -> bool:
        return self.value == 0

    def round_up(self, scale: int) -> "Quantity":
        """Round away from zero to a multiple of ``10**scale`` (``RoundUp(-3)`` = milli)."""
        return Quantity(_round_away(self.value, Fraction(10) ** scale), self.format)

    def int_value(self) -> int:
        """Upstream's ``Value()``: whole units, rounded up (away from zero)."""
        return int(_round_away(self.value, Fraction(1)))

    def milli_value(self) -> int:
        """Upstream's ``MilliValue()``: thousandths, rounded up (away from zero)."""
        return int(_round_away(self.value * 1000, Fraction(1)))

    def __str__(self) -> str:
        return _canonical(self.value, self.format)


QuantityLike = Union[Quantity, str, int, float, Fraction]


def parse_quantity(raw: QuantityLike) -> Quantity:
    """Parse a quantity; raises :class:`QuantityError` with upstream's message."""
    return Quantity.parse(raw)


def canonical(raw: QuantityLike) -> str:
    """The string the API server would store for ``raw`` (``"0.5"`` -> ``"500m"``)."""
    return str(Quantity.parse(raw))


def format_quantity(value: Fraction | int, fmt: str = DECIMAL_SI) -> str:
    """Print an exact number in a given format, canonically (``1536 * 2**20`` BinarySI -> ``1536Mi``)."""
    return _canonical(Fraction(value), fmt)


def _decimal_mantissa(value: Fraction) -> tuple[int, int]:
    """``value == m * 10**e`` with ``m`` an integer free of trailing zeros."""
    exp = 0
    while value.denominator != 1:
        value *= 10
        exp -= 1
    m = int(value)
    while m != 0 and m % 10 == 0:
        m //= 10
        exp += 1
    return m, exp


def _canonical(value: Fraction, fmt: str) -> str:
    """Upstream's ``CanonicalizeBytes``: shortest mantissa, exponent a multiple of 3 (or 1024)."""
    if value == 0:
        return "0"
    if fmt == BINARY_SI and (-1024 < value < 1024 or value.denominator != 1):
        fmt = DECIMAL_SI
    if fmt == BINARY_SI:
        m, power = int(value), 0
        while m % 1024 == 0 and power < 6:
            m //= 1024
            power += 1
        return f"{m}{_BINARY_BY_POWER.get(power, '')}"
    m, exp = _decimal_mantissa(value)
    if exp % 3 == 1:
        m, exp = m * 10, exp - 1
    elif exp % 3 == 2:
        m, exp = m * 100, exp - 2
    if fmt == DECIMAL_EXPONENT:
        return f"{m}" if exp == 0 else f"{m}e{exp}"
    suffix = _DECIMAL_BY_EXP.get(exp)
    return f"{m}{suffix}" if suffix is not None else f"{m}e{exp}"


def sum_quantities(values: list[QuantityLike]) -> Quantity:
    """Sum, keeping the first value's format (``0`` when empty)."""
    total: Quantity | None = None
    for v in values:
        q = Quantity.parse(v)
        total = q if total is None else total + q
    return total if total is not None else Quantity(Fraction(0))


@functools.lru_cache(maxsize=4096)
def _parse_text(text: str) -> Quantity:
    """Parsing is exact (fractions) and so not cheap; the same few strings ("100m", "1Gi")
    come back on every pod, and a Quantity is immutable, so parses are remembered."""
    positive, num, denom, suffix = _scan(text)
    base, exponent, fmt = _interpret_suffix(suffix)
    digits = (num + denom).lstrip("0")
    power = (exponent if base == 10 else 0) - len(denom)  # the value is digits * 10**power (* 2**exponent)
    if len(digits) > MAX_DIGITS or (digits and power > MAX_EXPONENT):
        raise QuantityError(NUMERIC_ERROR)
    if digits and len(digits) + power <= -9:
        amount = _NANO  # below a nano, however far: rounded up to one, as upstream
    else:
        amount = Fraction(int(num + denom), 10 ** len(denom))
        amount *= Fraction(10) ** exponent if base == 10 else Fraction(2) ** exponent
    if amount != 0:
        amount = _round_away(amount, _NANO)
    if fmt == BINARY_SI and 0 < amount < 1:
        fmt = DECIMAL_SI
    return Quantity(amount if positive else -amount, fmt)
