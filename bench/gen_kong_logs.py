"""Generate synthetic Kong 3.x file-log NDJSON for ingest benchmarks and rollup load tests.

Entries have the shape of shared/samples/kong-log-3.8-http-docs.json (all 3.x fields, headers,
route, service, tries), so the parse cost is realistic. The output is deterministic for a seed.

Mix: ~90 % answered by the upstream (2xx/3xx/4xx/5xx), the rest answered by Kong itself
(401 from key-auth without a consumer, 403 from ACL and 429 from rate limiting with one), which
carry ``latencies.proxy: -1``, ``upstream_status: ""`` and ``source: "kong"``. ``started_at``
is spread in time order over ``--days`` days ending at ``--end``; some request latencies are
fractional.

    python bench/gen_kong_logs.py /tmp/kong.ndjson -n 200000
    python bench/gen_kong_logs.py /tmp/kong.ndjson.gz --apps 500 --seed 7
"""

from __future__ import annotations

import argparse
import gzip
import math
import random
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import orjson

WORKSPACE_ID = "f381e34e-5c25-4e65-b91b-3c0a86cfc393"
PATHS = ("/orders", "/orders/{id}", "/customers", "/customers/{id}", "/items", "/search")
METHODS = (("GET", 70), ("POST", 18), ("PUT", 6), ("DELETE", 4), ("PATCH", 2))
# (status, weight, answered by Kong itself)
STATUSES: tuple[tuple[int, float, bool], ...] = (
    (200, 74.0, False),
    (201, 5.0, False),
    (204, 3.0, False),
    (301, 0.5, False),
    (304, 1.5, False),
    (400, 1.5, False),
    (404, 2.5, False),
    (409, 0.3, False),
    (422, 0.7, False),
    (500, 0.6, False),
    (502, 0.2, False),
    (503, 0.15, False),
    (504, 0.05, False),
    (401, 6.0, True),
    (403, 2.0, True),
    (429, 2.0, True),
)
REASON = {401: "No API key found in request", 403: "You cannot consume this service"}


def _uuid(rng: random.Random) -> str:
    value = f"{rng.getrandbits(128):032x}"
    return f"{value[:8]}-{value[8:12]}-4{value[13:16]}-a{value[17:20]}-{value[20:]}"


def _services(rng: random.Random, count: int) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(service, route) pairs shaped like the 3.8 sample, reused across entries."""
    pairs = []
    for number in range(1, count + 1):
        service_id = _uuid(rng)
        created = 1726782459 - number * 86400
        service = {
            "write_timeout": 60000,
            "read_timeout": 60000,
            "updated_at": created,
            "host": f"svc-{number:02d}.internal.example",
            "name": f"svc-{number:02d}",
            "id": service_id,
            "port": 80,
            "enabled": True,
            "created_at": created,
            "protocol": "http",
            "ws_id": WORKSPACE_ID,
            "connect_timeout": 60000,
            "retries": 5,
        }
        route = {
            "updated_at": created,
            "tags": [],
            "response_buffering": True,
            "path_handling": "v0",
            "protocols": ["http", "https"],
            "service": {"id": service_id},
            "https_redirect_status_code": 426,
            "regex_priority": 0,
            "name": f"svc-{number:02d}-route",
            "id": _uuid(rng),
            "strip_path": True,
            "preserve_host": False,
            "created_at": created,
            "request_buffering": True,
            "ws_id": WORKSPACE_ID,
            "paths": [f"/svc-{number:02d}"],
        }
        pairs.append((service, route))
    return pairs


def _consumers(rng: random.Random, custom_ids: list[str]) -> list[dict[str, Any]]:
    return [
        {
            "id": _uuid(rng),
            "custom_id": custom_id,
            "username": f"user-{custom_id}",
            "created_at": 1726700000 + index,
            "updated_at": 1726700000 + index,
            "tags": None,
            "type": 0,
        }
        for index, custom_id in enumerate(custom_ids)
    ]


def generate(
    out: IO[bytes],
    count: int,
    seed: int,
    custom_ids: list[str],
    services: int,
    days: float,
    end_ms: int,
) -> None:
    """Write ``count`` NDJSON entries to ``out``."""
    rng = random.Random(seed)
    service_pairs = _services(rng, services)
    consumers = _consumers(rng, custom_ids)
    statuses = [status for status, _, _ in STATUSES]
    status_weights = [weight for _, weight, _ in STATUSES]
    by_kong = {status for status, _, kong in STATUSES if kong}
    methods = [method for method, _ in METHODS]
    method_weights = [weight for _, weight in METHODS]
    span_ms = int(days * 86_400_000)
    start_ms = end_ms - span_ms
    step = span_ms / max(count, 1)
    buffer: list[bytes] = []
    dumps = orjson.dumps

    for index in range(count):
        started_at = min(start_ms + int(index * step + rng.random() * step), end_ms - 1)
        status = rng.choices(statuses, status_weights)[0]
        method = rng.choices(methods, method_weights)[0]
        service, route = service_pairs[rng.randrange(len(service_pairs))]
        path = rng.choice(PATHS).replace("{id}", str(rng.randrange(1, 100_000)))
        prefix = route["paths"][0]
        request_id = f"{rng.getrandbits(128):032x}"
        kong_ms = rng.randrange(0, 4)
        kong_answer = status in by_kong

        if kong_answer:
            proxy_ms = -1
            receive_ms = 0
            request_ms: float = kong_ms
            upstream_status = ""
            source = "kong"
        else:
            proxy_ms = max(1, int(rng.lognormvariate(math.log(60), 0.9)))
            if rng.random() < 0.01:
                proxy_ms *= 20  # slow tail
            receive_ms = rng.randrange(0, 2)
            request_ms = kong_ms + proxy_ms + receive_ms
            if rng.random() < 0.1:
                request_ms = round(request_ms + rng.random(), 3)
            upstream_status = str(status)
            source = "upstream"

        response_headers: dict[str, Any] = {
            "content-type": "application/json; charset=utf-8",
            "date": datetime.fromtimestamp(started_at // 1000, UTC).strftime(
                "%a, %d %b %Y %H:%M:%S GMT"
            ),
            "connection": "keep-alive",
            "via": "1.1 kong/3.8.0.0-enterprise-edition",
            "x-kong-request-id": request_id,
        }
        if kong_answer:
            response_headers["server"] = "kong/3.8.0.0-enterprise-edition"
            response_headers["x-kong-response-latency"] = str(kong_ms)
            body_size = 60 + len(REASON.get(status, "API rate limit exceeded"))
        else:
            response_headers["server"] = "gunicorn/19.9.0"
            response_headers["x-kong-upstream-latency"] = str(proxy_ms)
            response_headers["x-kong-proxy-latency"] = str(kong_ms)
            body_size = rng.randrange(0, 20_000) if status != 204 else 0
        response_headers["content-length"] = str(body_size)

        request_headers: dict[str, Any] = {
            "accept": "*/*",
            "user-agent": "example-client/1.4.2",
            "host": "api.example.com",
            "connection": "keep-alive",
            "accept-encoding": "gzip, deflate",
        }
        entry: dict[str, Any] = {
            "response": {"size": body_size + 380, "headers": response_headers, "status": status},
            "route": route,
            "workspace": WORKSPACE_ID,
            "workspace_name": "default",
            "client_ip": f"203.0.113.{rng.randrange(1, 255)}",
            "request": {
                "id": request_id,
                "headers": request_headers,
                "uri": prefix + path,
                "size": rng.randrange(120, 2_000),
                "method": method,
                "querystring": {},
                "url": f"https://api.example.com{prefix}{path}",
            },
            "upstream_uri": path,
            "started_at": started_at,
            "source": source,
            "upstream_status": upstream_status,
            "latencies": {
                "kong": kong_ms,
                "proxy": proxy_ms,
                "request": request_ms,
                "receive": receive_ms,
            },
            "service": service,
        }
        if not kong_answer:
            entry["tries"] = [
                {
                    "balancer_start": started_at + kong_ms,
                    "balancer_start_ns": (started_at + kong_ms) * 1e6,
                    "ip": f"198.51.100.{rng.randrange(1, 255)}",
                    "balancer_latency": 0,
                    "port": 80,
                    "balancer_latency_ns": rng.randrange(10_000, 60_000),
                }
            ]
        if status != 401 and consumers:  # key-auth rejections carry no consumer
            consumer = consumers[rng.randrange(len(consumers))]
            entry["consumer"] = consumer
            entry["authenticated_entity"] = {"id": consumer["id"]}
            request_headers["apikey"] = "REDACTED"

        buffer.append(dumps(entry))
        if len(buffer) >= 10_000:
            out.write(b"\n".join(buffer) + b"\n")
            buffer.clear()
    if buffer:
        out.write(b"\n".join(buffer) + b"\n")


def _parse_end(text: str) -> int:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("path", type=Path, help="output file; a .gz suffix means gzip")
    parser.add_argument("-n", "--count", type=int, default=1_000_000, help="entries to write")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--apps", type=int, default=200, help="consumer custom_ids app-ref-NNNN")
    parser.add_argument(
        "--consumers", help="comma-separated consumer custom_ids (overrides --apps)", default=None
    )
    parser.add_argument("--services", type=int, default=12, help="gateway services svc-NN")
    parser.add_argument("--days", type=float, default=90.0, help="time span of started_at")
    parser.add_argument(
        "--end", default="2024-09-20T00:00:00Z", help="end of the span (ISO 8601, UTC if naive)"
    )
    parser.add_argument("--gzip", action="store_true", help="gzip even without a .gz suffix")
    args = parser.parse_args(argv)

    if args.consumers:
        custom_ids = [item.strip() for item in args.consumers.split(",") if item.strip()]
    else:
        custom_ids = [f"app-ref-{number:04d}" for number in range(1, args.apps + 1)]
    compress = args.gzip or args.path.suffix == ".gz"
    opener = gzip.open if compress else open
    with opener(args.path, "wb") as out:
        generate(
            out,
            count=args.count,
            seed=args.seed,
            custom_ids=custom_ids,
            services=args.services,
            days=args.days,
            end_ms=_parse_end(args.end),
        )
    print(f"wrote {args.count} entries to {args.path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
