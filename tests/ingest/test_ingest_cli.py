"""`python -m app ingest kong-log FILE...` end to end, in a subprocess, on a SQLite file."""

from __future__ import annotations

import gzip
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from app.models import ServiceVersion, TrafficHourly, UnattributedTraffic
from app.settings import Settings
from tests.factories import Factory

REPO = Path(__file__).resolve().parents[2]
SERVICE_22_ID = "167290ee-c682-4ebf-bdea-e49a3ac5e260"

# The CLI test drives its own process against a file: SQLite only.
pytestmark = pytest.mark.parametrize("backend", ["sqlite"])


def run_cli(settings: Settings, *args: str, stdin: bytes | None = None) -> tuple[int, str, str]:
    env = {**os.environ, "DEVPORTAL_DATABASE_URL": settings.database_url}
    process = subprocess.run(
        [sys.executable, "-m", "app", "ingest", "kong-log", *args],
        cwd=REPO,
        env=env,
        input=stdin,
        capture_output=True,
        timeout=60,
    )
    return process.returncode, process.stdout.decode(), process.stderr.decode()


def report_of(output: str) -> dict[str, str]:
    """`name: value` lines of the closing report, indented ones included."""
    return {
        match[1].strip(): match[2].strip()
        for match in re.finditer(r"^\s*([^:\n]+):\s+(.*)$", output, flags=re.MULTILINE)
    }


@pytest.fixture
async def portal(factory: Factory) -> None:
    """An application for the 2.2 sample's consumer, and the version of its gateway service."""
    await factory.application(reference_id="foo")
    version = await factory.version(gateway_service_name="httpbin")
    await ServiceVersion.filter(id=version.id).update(gateway_service_id=SERVICE_22_ID)


MIXED_REPORT = {
    "lines": "3",
    "blank": "0",
    "entries": "3",
    "attributed": "1",
    "unattributed": "2",
    "anonymous": "2",
    "malformed": "0",
}


def assert_report(output: str, expected: dict[str, str]) -> None:
    report = report_of(output)
    assert {name: report.get(name) for name in expected} == expected, output
    assert "seconds" in report and "entries/s" in report


async def test_cli_ingests_the_mixed_sample_file(db: Settings, portal: None, samples: Path) -> None:
    code, out, err = run_cli(db, str(samples / "kong-file-log-mixed.ndjson"))

    assert code == 0, err
    assert_report(out, MIXED_REPORT)
    assert sum(await TrafficHourly.all().values_list("requests", flat=True)) == 1  # type: ignore[arg-type]


async def test_cli_ingests_a_gzip_file(
    db: Settings, portal: None, samples: Path, tmp_path: Path
) -> None:
    path = tmp_path / "kong.log.gz"
    path.write_bytes(gzip.compress((samples / "kong-file-log-mixed.ndjson").read_bytes()))

    code, out, err = run_cli(db, str(path))

    assert code == 0, err
    assert_report(out, MIXED_REPORT)


@pytest.mark.parametrize("compressed", [False, True], ids=["plain", "gzip"])
async def test_cli_reads_standard_input_for_a_dash(
    db: Settings, portal: None, samples: Path, compressed: bool
) -> None:
    content = (samples / "kong-file-log-mixed.ndjson").read_bytes()

    code, out, err = run_cli(db, "-", stdin=gzip.compress(content) if compressed else content)

    assert code == 0, err
    assert_report(out, MIXED_REPORT)


async def test_cli_reports_a_malformed_line_by_number_and_counts_the_rest(
    db: Settings, portal: None, samples: Path, tmp_path: Path
) -> None:
    first, second, third = (samples / "kong-file-log-mixed.ndjson").read_bytes().splitlines()
    path = tmp_path / "broken.ndjson"
    path.write_bytes(b"\n".join([first, second, b'{"started_at": 1726783839538, "resp', third]))

    code, out, err = run_cli(db, str(path))

    assert code == 0, err
    assert_report(out, {**MIXED_REPORT, "lines": "4", "malformed": "1"})
    assert "line 3: invalid JSON" in out


async def test_cli_reads_a_pretty_printed_http_log_body_as_one_entry(
    db: Settings, portal: None, samples: Path
) -> None:
    code, out, err = run_cli(db, str(samples / "kong-log-2.2-http-consumer-docs.json"))

    assert code == 0, err
    assert_report(out, {"lines": "1", "entries": "1", "attributed": "1", "malformed": "0"})


def truncated_gzip(samples: Path, path: Path) -> int:
    """A gzip file of 6,000 log lines cut in half, as a copy still being written is; returns
    how many lines the whole file held."""
    content = (samples / "kong-file-log-mixed.ndjson").read_bytes() * 2_000
    compressed = gzip.compress(content)
    path.write_bytes(compressed[: len(compressed) // 2])
    return content.count(b"\n")


async def stored_requests() -> int:
    rows = await TrafficHourly.all().values_list("requests", flat=True)
    rows += await UnattributedTraffic.all().values_list("requests", flat=True)
    return sum(rows)  # type: ignore[arg-type]


async def test_cli_counts_what_a_truncated_gzip_file_held_and_exits_non_zero(
    db: Settings, portal: None, samples: Path, tmp_path: Path
) -> None:
    path = tmp_path / "kong.log.gz"
    whole = truncated_gzip(samples, path)

    code, out, err = run_cli(db, str(path))

    assert code == 1
    assert "Traceback" not in err
    assert f"error: {path}: truncated" in err
    assert f"{path}: truncated" in out
    entries = int(report_of(out)["entries"].replace(",", ""))
    assert 0 < entries < whole
    assert await stored_requests() == entries


async def test_cli_reads_the_files_after_a_truncated_one(
    db: Settings, portal: None, samples: Path, tmp_path: Path
) -> None:
    path = tmp_path / "kong.log.gz"
    truncated_gzip(samples, path)
    _, alone, _ = run_cli(db, str(path))
    read_alone = int(report_of(alone)["entries"].replace(",", ""))

    code, out, err = run_cli(db, str(path), str(samples / "kong-file-log-mixed.ndjson"))

    assert code == 1, err
    assert int(report_of(out)["entries"].replace(",", "")) == read_alone + 3


async def test_cli_names_a_directory_argument_as_a_directory(db: Settings, tmp_path: Path) -> None:
    code, out, err = run_cli(db, str(tmp_path))

    assert code == 2
    assert err.strip().endswith(f"error: {tmp_path}: is a directory")
    assert out == ""
