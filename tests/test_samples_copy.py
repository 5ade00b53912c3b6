"""tests/samples is a byte-for-byte copy of the shared samples, so a clone alone can run the
suite; where the shared folder sits beside the checkout, the copy must not have drifted."""

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
COPY = REPO_ROOT / "tests" / "samples"
SHARED = REPO_ROOT.parent / "shared" / "samples"


@pytest.mark.skipif(not SHARED.is_dir(), reason="no shared/samples beside this checkout")
def test_samples_are_the_shared_ones_unchanged() -> None:
    shared = {p.name: p.read_bytes() for p in SHARED.iterdir() if p.is_file()}
    copy = {p.name: p.read_bytes() for p in COPY.iterdir() if p.is_file()}
    assert copy == shared
