"""`schema.graphql` at the repository root is the code's schema: a change to the API shows up
in review as a change to that file, deliberately."""

from __future__ import annotations

import argparse
from pathlib import Path

from app.cli import cmd_export_schema


def test_schema_file_equals_the_exported_schema(repo_root: Path, tmp_path: Path) -> None:
    exported = tmp_path / "schema.graphql"
    assert cmd_export_schema(argparse.Namespace(output=str(exported))) == 0

    on_disk = (repo_root / "schema.graphql").read_text(encoding="utf-8")

    assert exported.read_text(encoding="utf-8") == on_disk, (
        "schema.graphql differs from the code's schema: run `make schema` and review the diff "
        "(a breaking change must be deliberate)."
    )
