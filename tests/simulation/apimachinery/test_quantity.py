"""Quantities parse exactly and print the way kube-apiserver stores them."""
from __future__ import annotations

from fractions import Fraction

import pytest

from simulation.apimachinery.quantity import (BINARY_SI, DECIMAL_EXPONENT, DECIMAL_SI, FORMAT_ERROR, NUMERIC_ERROR,
                                              SUFFIX_ERROR, Quantity, QuantityError, canonical, format_quantity,
                                              parse_quantity, sum_quantities)

PARSE = [
    ("100m", Fraction(1, 10), DECIMAL_SI),
    ("1Gi", Fraction(2 ** 30), BINARY_SI),
    ("0.5", Fraction(1, 2), DECIMAL_SI),
    ("1e3", Fraction(1000), DECIMAL_EXPONENT),
    ("1E3", Fraction(1000), DECIMAL_EXPONENT),
    ("128974848", Fraction(128974848), DECIMAL_SI),
    ("129M", Fraction(129 * 10 ** 6), DECIMAL_SI),
    ("123Mi", Fraction(123 * 2 ** 20), BINARY_SI),
    ("+2", Fraction(2), DECIMAL_SI),
    ("-1.5k", Fraction(-1500), DECIMAL_SI),
    (".5", Fraction(1, 2), DECIMAL_SI),
    ("0.1Ki", Fraction(1024, 10), BINARY_SI),        # 102.4: prints as DecimalSI (not whole, below 1Ki)
    ("0.0000000001", Fraction(1, 10 ** 9), DECIMAL_SI),  # rounded up to one nano
    ("5n", Fraction(5, 10 ** 9), DECIMAL_SI),
    (2, Fraction(2), DECIMAL_SI),
    (0.25, Fraction(1, 4), DECIMAL_SI),
]


@pytest.mark.parametrize("raw,value,fmt", PARSE, ids=[str(p[0]) for p in PARSE])
def test_parse_is_exact(raw, value, fmt):
    q = parse_quantity(raw)
    assert q.value == value
    assert q.format == fmt


CANONICAL = [
    ("100m", "100m"), ("0.5", "500m"), ("1.5", "1500m"), ("1", "1"), ("1000m", "1"), ("10000", "10k"),
    ("1500", "1500"), ("1024Mi", "1Gi"), ("1.5Gi", "1536Mi"), ("2048Ki", "2Mi"), ("0.5Gi", "512Mi"),
    ("1024", "1024"), ("1Ki", "1Ki"), ("500Ki", "500Ki"), ("1e3", "1e3"), ("129e6", "129e6"), ("1.5e3", "1500"),
    ("0", "0"), ("0Gi", "0"), ("-1", "-1"), ("0.1Ki", "102400m"), ("1000000000n", "1"), ("12345678u", "12345678u"),
    ("0.0000000001", "1n"), ("100Mi", "100Mi"), ("1G", "1G"), ("1000M", "1G"),
]


@pytest.mark.parametrize("raw,expected", CANONICAL, ids=[c[0] for c in CANONICAL])
def test_canonical_form_matches_upstream(raw, expected):
    assert canonical(raw) == expected


BAD = [("", FORMAT_ERROR), ("abc", FORMAT_ERROR), ("1.2.3", FORMAT_ERROR), ("1 Gi", FORMAT_ERROR),
       ("1Gb", FORMAT_ERROR), ("1Mm", SUFFIX_ERROR), ("1X", FORMAT_ERROR), ("1e", SUFFIX_ERROR), ("5ki", SUFFIX_ERROR)]


@pytest.mark.parametrize("raw,message", BAD, ids=[b[0] or "empty" for b in BAD])
def test_bad_quantities_use_upstream_messages(raw, message):
    with pytest.raises(QuantityError) as info:
        parse_quantity(raw)
    assert str(info.value) == message


EXTREMES = [
    ("far-below-a-nano", "1e-2147483648", Fraction(1, 10 ** 9)),
    ("many-digits-below-a-nano", "0." + "0" * 900 + "1", Fraction(1, 10 ** 9)),
    ("exponent-wraps-to-int32", "1e4294967296", Fraction(1)),  # upstream's int32(parsed)
    ("largest-exponent", "1e1000", Fraction(10 ** 1000)),
    ("most-digits", "9" * 1000, Fraction(int("9" * 1000))),
]


@pytest.mark.parametrize("raw,value", **{"argvalues": [e[1:] for e in EXTREMES], "ids": [e[0] for e in EXTREMES]})
def test_extreme_exponents_are_parsed_at_once(raw, value):
    """``1e-2147483648`` once meant computing ``10**2147483648``: the server hung."""
    assert parse_quantity(raw).value == value


@pytest.mark.parametrize("raw,message", [
    ("1e1001", NUMERIC_ERROR), ("1e2147483647", NUMERIC_ERROR), ("9" * 1001, NUMERIC_ERROR),
    ("1e9223372036854775808", SUFFIX_ERROR),
], ids=["past-largest-exponent", "int32-exponent", "too-many-digits", "exponent-past-int64"])
def test_quantities_too_large_to_compute_are_refused(raw, message):
    with pytest.raises(QuantityError) as info:
        parse_quantity(raw)
    assert str(info.value) == message


def test_format_error_text_is_upstreams():
    assert FORMAT_ERROR == ("quantities must match the regular expression "
                            "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'")


ARITH = [
    ("add-keeps-left-format", lambda: str(parse_quantity("100m") + parse_quantity("0.2")), "300m"),
    ("add-binary", lambda: str(parse_quantity("512Mi") + parse_quantity("512Mi")), "1Gi"),
    ("sub", lambda: str(parse_quantity("1") - parse_quantity("250m")), "750m"),
    ("no-float-drift", lambda: parse_quantity("0.1") + parse_quantity("0.2") == parse_quantity("0.3"), True),
    ("compare", lambda: parse_quantity("1Gi") > parse_quantity("1G"), True),
    ("cmp", lambda: parse_quantity("500m").cmp("0.5"), 0),
    ("milli-value-rounds-up", lambda: parse_quantity("1n").milli_value(), 1),
    ("value-rounds-up", lambda: parse_quantity("100m").int_value(), 1),
    ("round-up-milli", lambda: str(parse_quantity("0.0001").round_up(-3)), "1m"),
    ("sum", lambda: str(sum_quantities(["100m", "200m", "1"])), "1300m"),
    ("sum-empty", lambda: str(sum_quantities([])), "0"),
    ("zero-takes-right-format", lambda: str(parse_quantity("0") + parse_quantity("512Mi")), "512Mi"),
    ("format", lambda: format_quantity(1536 * 2 ** 20, BINARY_SI), "1536Mi"),
    ("parse-quantity-idempotent", lambda: Quantity.parse(parse_quantity("1Gi")).format, BINARY_SI),
]


@pytest.mark.parametrize("name,compute,expected", ARITH, ids=[a[0] for a in ARITH])
def test_arithmetic(name, compute, expected):
    assert compute() == expected
