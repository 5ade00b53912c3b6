"""Before any timing: our headline pages hold what PostGraphile's hold.

Walks all pages of the headline query on both servers (offset paging, 50 per page) and
compares, application by application: the id, name and developer; the connections (id,
status, version, service) in order; and the 30-day request and error counts. Our global ids
are decoded to the row ids the peer shows.

    python bench/check_peer.py --ours http://127.0.0.1:8000/graphql \\
        --peer http://127.0.0.1:5678/graphql --peer-query .peer/queries/headline.v5.graphql
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import httpx

from app import global_ids

OURS = Path(__file__).parent / "queries" / "headline.graphql"


def _row_id(global_id: str) -> int:
    decoded = global_ids.decode(global_id)
    assert decoded is not None, global_id
    return decoded[1]


def ours_page(nodes: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [
        (
            _row_id(n["id"]),
            n["name"],
            _row_id(n["developer"]["id"]),
            n["developer"]["name"],
            tuple(
                (
                    _row_id(c["id"]),
                    str(c["status"]).upper(),
                    _row_id(c["serviceVersion"]["id"]),
                    c["serviceVersion"]["version"],
                    c["serviceVersion"]["service"]["name"],
                )
                for c in n["connections"]
            ),
            n["traffic"]["requests"],
            n["traffic"]["errors"],
        )
        for n in nodes
    ]


def peer_page(nodes: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [
        (
            n["rowId"],
            n["name"],
            n["developerByDeveloperId"]["rowId"],
            n["developerByDeveloperId"]["name"],
            tuple(
                (
                    c["rowId"],
                    str(c["status"]).upper(),
                    c["serviceVersionByServiceVersionId"]["rowId"],
                    c["serviceVersionByServiceVersionId"]["version"],
                    c["serviceVersionByServiceVersionId"]["serviceByServiceId"]["name"],
                )
                for c in n["connectionsByApplicationId"]["nodes"]
            ),
            int(n["trafficSummary"]["requests"]),
            int(n["trafficSummary"]["errors"]),
        )
        for n in nodes
    ]


def fetch(client: httpx.Client, url: str, query: str, offset: int) -> dict[str, Any]:
    response = client.post(
        url, json={"query": query, "variables": {"first": 50, "offset": offset}}, timeout=60
    )
    response.raise_for_status()
    body: dict[str, Any] = response.json()
    if body.get("errors"):
        raise SystemExit(f"{url} answered errors at offset {offset}: {body['errors']}")
    return body["data"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--ours", required=True)
    parser.add_argument("--peer", required=True)
    parser.add_argument("--peer-query", required=True, type=Path)
    parser.add_argument("--pages", type=int, default=200)
    args = parser.parse_args()
    ours_query, peer_query = OURS.read_text(), args.peer_query.read_text()
    applications = connections = requests = errors = 0
    with httpx.Client() as client:
        for page in range(args.pages):
            offset = page * 50
            mine = ours_page(fetch(client, args.ours, ours_query, offset)["applications"]["nodes"])
            theirs = peer_page(
                fetch(client, args.peer, peer_query, offset)["allApplications"]["nodes"]
            )
            if mine != theirs:
                for a, b in zip(mine, theirs, strict=False):
                    if a != b:
                        print(f"offset {offset}: ours {a}\n           peer {b}", file=sys.stderr)
                        break
                print(f"MISMATCH at offset {offset} ({len(mine)} vs {len(theirs)})")
                return 1
            applications += len(mine)
            connections += sum(len(row[4]) for row in mine)
            requests += sum(row[5] for row in mine)
            errors += sum(row[6] for row in mine)
    print(
        f"same answers: {applications:,} applications, {connections:,} connections, "
        f"{requests:,} requests, {errors:,} errors over 30 days ({args.pages} pages)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
