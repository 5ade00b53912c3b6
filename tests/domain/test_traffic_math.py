"""Tests for the fixed log-scale latency histogram and its percentiles."""

from __future__ import annotations

import math
from itertools import pairwise

import pytest

from app.domain.traffic_math import (
    BUCKET_UPPER_BOUNDS_MS,
    NUM_BUCKETS,
    add_histograms,
    bucket_index,
    decode_histogram,
    empty_histogram,
    encode_histogram,
    percentile,
)


def histogram_of(*latencies_ms: float) -> list[int]:
    hist = empty_histogram()
    for latency in latencies_ms:
        hist[bucket_index(latency)] += 1
    return hist


def test_bounds_are_increasing_and_end_open() -> None:
    assert len(BUCKET_UPPER_BOUNDS_MS) == NUM_BUCKETS
    assert 24 <= NUM_BUCKETS <= 32
    assert all(a < b for a, b in pairwise(BUCKET_UPPER_BOUNDS_MS))
    assert BUCKET_UPPER_BOUNDS_MS[-1] == math.inf


def test_zero_and_sub_millisecond_latencies_go_to_the_first_bucket() -> None:
    assert bucket_index(0) == 0
    assert bucket_index(0.4) == 0


def test_upper_bound_is_inclusive_and_just_above_goes_to_the_next_bucket() -> None:
    for index, bound in enumerate(BUCKET_UPPER_BOUNDS_MS[:-1]):
        assert bucket_index(bound) == index
        assert bucket_index(bound + 0.001) == index + 1


def test_latencies_beyond_the_last_bound_go_to_the_open_bucket() -> None:
    assert bucket_index(60_000.5) == NUM_BUCKETS - 1
    assert bucket_index(math.inf) == NUM_BUCKETS - 1


def test_negative_and_nan_latencies_go_to_the_first_bucket() -> None:
    assert bucket_index(-1) == 0
    assert bucket_index(math.nan) == 0


def test_empty_histogram_has_no_percentile() -> None:
    assert percentile(empty_histogram(), 0.5) is None


def test_percentile_of_a_single_value_lies_in_its_bucket() -> None:
    hist = histogram_of(173)
    index = bucket_index(173)

    for q in (0.5, 0.95, 0.99):
        value = percentile(hist, q)
        assert value is not None
        assert BUCKET_UPPER_BOUNDS_MS[index - 1] <= value <= BUCKET_UPPER_BOUNDS_MS[index]


def test_percentile_of_a_single_value_never_exceeds_max() -> None:
    hist = histogram_of(173)

    for q in (0.0, 0.5, 0.99, 1.0):
        value = percentile(hist, q, max_ms=173)
        assert value is not None
        assert value <= 173


def test_percentile_one_with_max_is_the_max() -> None:
    assert percentile(histogram_of(4, 171, 29), 1.0, max_ms=171) == 171


def test_percentiles_are_never_negative() -> None:
    hist = histogram_of(0, 0, 0, -1, 0.2)

    for q in (0.0, 0.01, 0.5, 0.95, 0.99, 1.0):
        for max_ms in (None, 0.2, -1):
            value = percentile(hist, q, max_ms=max_ms)
            assert value is not None
            assert value >= 0


def test_percentile_interpolates_linearly_inside_the_bucket() -> None:
    hist = empty_histogram()
    hist[bucket_index(150)] = 4  # bucket (100, 150]

    assert percentile(hist, 0.5) == 125.0


def test_percentile_is_monotonic_in_q() -> None:
    hist = histogram_of(1, 2, 5, 9, 40, 40, 120, 800, 2500, 90_000)

    values = [percentile(hist, q / 100) for q in range(101)]

    assert all(a is not None and b is not None and a <= b for a, b in pairwise(values))


def test_open_bucket_percentile_uses_max_or_the_last_bound() -> None:
    hist = histogram_of(120_000)

    assert percentile(hist, 0.99) == 60_000
    assert percentile(hist, 1.0, max_ms=120_000) == 120_000


def test_quantile_outside_zero_to_one_is_refused() -> None:
    with pytest.raises(ValueError):
        percentile(histogram_of(5), 95)


def test_c15_percentiles_of_upstream_latencies_skip_minus_one() -> None:
    upstream = [171.0, 29.0]  # the -1 of Kong's own 403 is no latency and is not added
    hist = histogram_of(*upstream)

    for q in (0.5, 0.95, 0.99):
        value = percentile(hist, q, max_ms=max(upstream))
        assert value is not None
        assert 0 < value <= 171


def test_encode_decode_round_trip() -> None:
    hist = histogram_of(0.5, 3, 3, 17, 250, 250, 250, 90_000)

    assert decode_histogram(encode_histogram(hist)) == hist


def test_encode_is_comma_separated_without_trailing_zeros() -> None:
    assert encode_histogram(histogram_of(0.5, 3, 3)) == "1,0,2"
    assert encode_histogram(empty_histogram()) == ""


def test_decode_empty_string_is_all_zero() -> None:
    assert decode_histogram("") == [0] * NUM_BUCKETS


def test_decode_refuses_too_many_buckets() -> None:
    with pytest.raises(ValueError):
        decode_histogram(",".join(["1"] * (NUM_BUCKETS + 1)))


def test_decode_refuses_negative_counts() -> None:
    with pytest.raises(ValueError):
        decode_histogram("1,-2")


def test_add_sums_bucket_by_bucket() -> None:
    a = histogram_of(1, 50, 50)
    b = histogram_of(50, 7000)

    assert add_histograms(a, b) == histogram_of(1, 50, 50, 50, 7000)


def test_add_refuses_histograms_of_another_length() -> None:
    with pytest.raises(ValueError):
        add_histograms(empty_histogram(), [0, 1])
