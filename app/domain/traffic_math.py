"""Fixed log-scale latency histogram for hourly/daily traffic rollups, and percentiles from it.

Why log-scale buckets: API latencies span four to five orders of magnitude (sub-millisecond
answers from Kong itself up to upstream timeouts of a minute). Equal-width buckets would either
lump every fast request together or need thousands of buckets. Buckets that grow roughly
geometrically (1-2-3-5-7.5 per decade) keep the relative error of a percentile about the same at
every scale (under ~50 %, usually far less after interpolation) with 28 integers per row.
Because the bounds are fixed, histograms of any rows simply add up, so an hour, a day or
90 days are summarised from rollup rows alone, never from raw entries.

Bucket ``i`` holds latencies in ``(BUCKET_UPPER_BOUNDS_MS[i - 1], BUCKET_UPPER_BOUNDS_MS[i]]``;
bucket 0 holds ``[0, 1]`` and the last bucket everything above 60 s. The bounds are part of the
stored format: changing them needs a data migration.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Sequence

__all__ = [
    "BUCKET_UPPER_BOUNDS_MS",
    "NUM_BUCKETS",
    "add_histograms",
    "bucket_index",
    "decode_histogram",
    "empty_histogram",
    "encode_histogram",
    "percentile",
]

_FINITE_BOUNDS_MS: tuple[float, ...] = (
    1, 2, 3, 5, 7.5,
    10, 15, 20, 30, 50, 75,
    100, 150, 200, 300, 500, 750,
    1_000, 1_500, 2_000, 3_000, 5_000, 7_500,
    10_000, 15_000, 30_000, 60_000,
)  # fmt: skip

#: Inclusive upper bound of each bucket in milliseconds; the last bucket is open-ended.
BUCKET_UPPER_BOUNDS_MS: tuple[float, ...] = (*_FINITE_BOUNDS_MS, math.inf)

#: Number of counts in every histogram (28).
NUM_BUCKETS = len(BUCKET_UPPER_BOUNDS_MS)

_OVERFLOW = NUM_BUCKETS - 1


def bucket_index(latency_ms: float) -> int:
    """Index of the bucket for ``latency_ms``; negative or NaN values go to bucket 0."""
    if not latency_ms > 0:  # also catches NaN
        return 0
    return bisect_left(_FINITE_BOUNDS_MS, latency_ms)


def empty_histogram() -> list[int]:
    """A new histogram with every count zero."""
    return [0] * NUM_BUCKETS


def _check_length(hist: Sequence[int]) -> None:
    if len(hist) != NUM_BUCKETS:
        raise ValueError(f"histogram has {len(hist)} buckets, expected {NUM_BUCKETS}")


def add_histograms(a: Sequence[int], b: Sequence[int]) -> list[int]:
    """Bucket-wise sum, as a rollup upsert or a summary over many rows needs."""
    _check_length(a)
    _check_length(b)
    return [x + y for x, y in zip(a, b, strict=True)]


def percentile(hist: Sequence[int], q: float, max_ms: float | None = None) -> float | None:
    """Estimate the ``q`` quantile (0 <= q <= 1, e.g. 0.95) in ms; None when empty.

    The value is interpolated linearly inside the bucket that holds the rank. ``max_ms`` (the
    largest latency seen, kept beside the histogram) narrows the top bucket, in particular the
    open-ended one, and caps the result. Without it the open-ended bucket answers its lower
    bound (60 s). The result is never negative.
    """
    if not 0.0 <= q <= 1.0:
        raise ValueError(f"quantile must be within [0, 1], got {q!r}")
    _check_length(hist)
    total = sum(hist)
    if total <= 0:
        return None
    rank = q * total
    seen = 0  # entries in the buckets below ``index``
    index = 0
    count = 0
    for count in hist:  # stops at the first non-empty bucket that reaches the rank
        if count > 0 and seen + count >= rank:
            break
        seen += count
        index += 1
    lower = 0.0 if index == 0 else float(BUCKET_UPPER_BOUNDS_MS[index - 1])
    upper = BUCKET_UPPER_BOUNDS_MS[index]
    if max_ms is not None and max_ms < upper:
        upper = max_ms
    if index == _OVERFLOW and upper == math.inf:
        value = lower
    elif upper <= lower:
        value = upper
    else:
        fraction = (rank - seen) / count if count > 0 else 1.0
        value = lower + (upper - lower) * min(max(fraction, 0.0), 1.0)
    if max_ms is not None:
        value = min(value, max_ms)
    return max(value, 0.0)


def encode_histogram(hist: Sequence[int]) -> str:
    """Comma-separated counts without trailing zeros (an empty histogram encodes as "")."""
    _check_length(hist)
    end = len(hist)
    while end and hist[end - 1] == 0:
        end -= 1
    return ",".join(str(count) for count in hist[:end])


def decode_histogram(text: str) -> list[int]:
    """Inverse of ``encode_histogram``; missing trailing counts are zero, so "" is all-zero."""
    text = text.strip()
    if not text:
        return empty_histogram()
    parts = text.split(",")
    if len(parts) > NUM_BUCKETS:
        raise ValueError(f"histogram has {len(parts)} buckets, at most {NUM_BUCKETS} allowed")
    counts = [int(part) for part in parts]
    if any(count < 0 for count in counts):
        raise ValueError("histogram counts must not be negative")
    counts.extend([0] * (NUM_BUCKETS - len(counts)))
    return counts
