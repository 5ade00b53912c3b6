"""Parser for Kong Gateway's log-serializer JSON (file-log lines, http-log bodies), 0.x to 3.x.

Only what the traffic rollups need is read: start time, status, latencies and the keys that
attribute an entry to an application and a service. Everything else (headers, query strings,
tries, entity timestamps) is ignored, so their many shapes cannot break an import.

Quirks honoured (see shared/samples/README.md):
- ``started_at`` is epoch *milliseconds*; entity ``created_at`` values are seconds and unused.
- ``latencies.proxy`` is -1 when Kong answered itself: the request counts, its upstream latency
  is ``None``.
- ``latencies.request`` may be fractional; ``upstream_status`` may be ``""``; ``source`` may be
  missing; ``consumer`` / ``authenticated_entity`` are absent on unauthenticated requests.
- Kong 0.x wrote numbers as strings and had an ``api`` object instead of ``route``/``service``.
  Numeric strings are converted; booleans are never numbers.

The hot path uses ``type(x) is int`` checks and plain dict lookups: ingest must keep up with
bare ``orjson.loads``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import orjson

__all__ = ["LogEntry", "MalformedEntry", "parse_body", "parse_entry", "parse_lines"]

_UTF8_BOM = b"\xef\xbb\xbf"
_INF = math.inf
_MAX_LATENCY_MS = 86_400_000  # a day: larger latencies are garbage, and summed they overflow
_MAX_STARTED_AT_MS = 253_402_300_799_999  # 9999-12-31T23:59:59.999Z, the datetime limit


@dataclass(frozen=True, slots=True)
class LogEntry:
    """The part of one Kong log entry that traffic rollups use."""

    started_at_ms: int
    status: int
    latency_ms: float
    upstream_latency_ms: float | None
    consumer_keys: tuple[str, ...]
    service_keys: tuple[str, ...]
    source: str | None


class MalformedEntry(ValueError):
    """An entry that cannot be counted; ``reason`` is short, stable text for reports."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason

    def __repr__(self) -> str:
        return f"MalformedEntry({self.reason!r})"


def _number(value: object) -> float | None:
    """Return ``value`` as a finite float, or None; numeric strings count, booleans do not."""
    kind = type(value)
    if kind is int or kind is float:
        try:
            number = float(value)  # type: ignore[arg-type]
        except OverflowError:
            return None
    elif kind is str:
        text = value.strip()  # type: ignore[attr-defined]
        if not text or "_" in text:  # float() would accept "1_000"; Kong never writes that
            return None
        try:
            number = float(text)
        except ValueError:
            return None
    else:
        return None
    return number if math.isfinite(number) else None


def _started_at(value: object) -> int:
    """Slow path for ``started_at`` that is not a plain non-negative int (0.x strings, floats)."""
    if value is None:
        raise MalformedEntry("missing started_at")
    number = _number(value)
    if number is None or not 0 <= number <= _MAX_STARTED_AT_MS:
        raise MalformedEntry("invalid started_at")
    return int(number)


def _status(value: object) -> int:
    """Slow path for a status that is not a plain int in range (0.x strings, garbage)."""
    if value is None:
        raise MalformedEntry("missing response.status")
    number = _number(value)
    if number is None or not number.is_integer() or not 100 <= number <= 599:
        raise MalformedEntry("invalid response.status")
    return int(number)


def _latency(value: object) -> float:
    """Slow path for ``latencies.request`` that is not a plain non-negative number."""
    if value is None:
        raise MalformedEntry("missing latencies.request")
    number = _number(value)
    if number is None or number < 0:
        raise MalformedEntry("invalid latencies.request")
    if number > _MAX_LATENCY_MS:
        raise MalformedEntry("latencies.request is over a day")
    return number


def _optional_latency(value: object) -> float | None:
    """Slow path for ``latencies.proxy``: -1, negative, missing or unreadable mean no latency."""
    number = _number(value)
    if number is None or number < 0 or number > _MAX_LATENCY_MS:
        return None
    return number


def _route_service_keys(route: object) -> tuple[str, ...]:
    """Fallback when no ``service`` / ``api`` object names the service: ``route.service.id``."""
    service = route.get("service") if isinstance(route, dict) else None
    service_id = service.get("id") if isinstance(service, dict) else None
    return (service_id,) if isinstance(service_id, str) and service_id else ()


def parse_entry(obj: object) -> LogEntry:
    """Read one decoded log entry; raise ``MalformedEntry`` when it cannot be counted.

    Written as straight-line code with ``type(x) is ...`` fast paths (this runs once per log
    line); odd values (strings, floats, garbage) fall through to the ``_*`` helpers.
    """
    if not isinstance(obj, dict):
        raise MalformedEntry("not a JSON object")
    get = obj.get

    started_at = get("started_at")
    if type(started_at) is not int or not 0 <= started_at <= _MAX_STARTED_AT_MS:
        started_at = _started_at(started_at)

    response = get("response")
    status = response.get("status") if type(response) is dict else None
    if type(status) is not int or not 100 <= status <= 599:
        status = _status(status)

    latencies = get("latencies")
    total: Any
    proxy: Any
    if type(latencies) is dict:
        total = latencies.get("request")
        proxy = latencies.get("proxy")
    else:
        total = proxy = None
    kind = type(total)
    if kind is int and 0 <= total <= _MAX_LATENCY_MS:
        latency = float(total)
    elif kind is float and 0.0 <= total <= _MAX_LATENCY_MS:
        latency = total
    else:
        latency = _latency(total)
    kind = type(proxy)
    upstream: float | None
    if kind is int:
        upstream = float(proxy) if 0 <= proxy <= _MAX_LATENCY_MS else None
    elif kind is float:
        upstream = proxy if 0.0 <= proxy <= _MAX_LATENCY_MS else None
    elif proxy is None:
        upstream = None
    else:
        upstream = _optional_latency(proxy)

    consumer = get("consumer")
    keys: list[str]
    if type(consumer) is dict:
        consumer_get = consumer.get
        custom_id = consumer_get("custom_id")
        username = consumer_get("username")
        consumer_id = consumer_get("id")
        keys = [custom_id] if type(custom_id) is str and custom_id else []
        if type(username) is str and username and username not in keys:
            keys.append(username)
        if type(consumer_id) is str and consumer_id and consumer_id not in keys:
            keys.append(consumer_id)
    else:
        keys = []
    entity = get("authenticated_entity")
    if type(entity) is dict:
        entity_id = entity.get("id")
        if type(entity_id) is str and entity_id and entity_id not in keys:
            keys.append(entity_id)

    service = get("service")
    if type(service) is not dict:
        service = get("api")  # Kong 0.x
    service_keys: tuple[str, ...] = ()
    if type(service) is dict:
        service_id = service.get("id")
        name = service.get("name")
        if type(service_id) is str and service_id:
            if type(name) is str and name and name != service_id:
                service_keys = (service_id, name)
            else:
                service_keys = (service_id,)
        elif type(name) is str and name:
            service_keys = (name,)
    if not service_keys:
        service_keys = _route_service_keys(get("route"))

    source = get("source")
    if source != "upstream" and source != "kong":
        source = None

    return LogEntry(started_at, status, latency, upstream, tuple(keys), service_keys, source)


def _entries(obj: object) -> list[LogEntry | MalformedEntry]:
    """Entries of one decoded JSON value: an object is one entry, an array a batch."""
    items = obj if type(obj) is list else (obj,)
    results: list[LogEntry | MalformedEntry] = []
    for item in items:
        try:
            results.append(parse_entry(item))
        except MalformedEntry as error:
            results.append(error.with_traceback(None))  # keep no frames alive in reports
    return results


def parse_lines(lines: Iterable[bytes]) -> Iterator[tuple[int, LogEntry | MalformedEntry]]:
    """Read file-log NDJSON; yield (1-based line number, entry or error) and never stop early.

    Blank lines are skipped; a line holding a JSON array yields each element with its number.
    """
    loads = orjson.loads
    decode_error = orjson.JSONDecodeError
    for number, line in enumerate(lines, 1):
        try:
            obj = loads(line)
        except decode_error:
            if not line.strip():
                continue
            if number == 1 and isinstance(line, bytes) and line.startswith(_UTF8_BOM):
                try:
                    obj = loads(line[len(_UTF8_BOM) :])
                except decode_error:
                    yield number, MalformedEntry("invalid JSON")
                    continue
            else:
                yield number, MalformedEntry("invalid JSON")
                continue
        if type(obj) is dict:
            result: LogEntry | MalformedEntry
            try:
                result = parse_entry(obj)
            except MalformedEntry as error:
                result = error.with_traceback(None)
            yield number, result
        else:
            for result in _entries(obj):
                yield number, result


def parse_body(body: bytes) -> list[LogEntry | MalformedEntry]:
    """Read an http-log POST body: one object or a batch array; raise if it is neither.

    A bad item of an array is one malformed entry; a body that is not even an object or an
    array (``"text"``, ``42``, ``null``) is refused as a whole.
    """
    try:
        obj = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise MalformedEntry("invalid JSON") from None
    if type(obj) is not dict and type(obj) is not list:
        raise MalformedEntry("not a JSON object or array")
    return _entries(obj)
