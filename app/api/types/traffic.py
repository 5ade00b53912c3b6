"""Traffic summaries as the details page shows them: counts, error rate, latency, a series."""

from __future__ import annotations

from datetime import UTC, datetime

import strawberry
from strawberry.types import Info

from app.api.context import Context
from app.domain import traffic
from app.domain.traffic import GroupBy, TrafficTotals, Window

strawberry.enum(
    traffic.TrafficWindow,
    name="TrafficWindow",
    description="A window ending with the current hour (UTC).",
)
strawberry.enum(traffic.Granularity, name="TrafficGranularity", description="Series step.")


@strawberry.type(description="Latency in milliseconds; percentiles come from a histogram.")
class LatencyStats:
    avg: float | None = strawberry.field(description="Mean; null without requests.")
    p50: float | None = strawberry.field(description="Median estimate.")
    p95: float | None = strawberry.field(description="95th percentile estimate.")
    p99: float | None = strawberry.field(description="99th percentile estimate.")
    max: float | None = strawberry.field(description="Largest seen.")


@strawberry.type(description="Time spent in the upstream service, in milliseconds.")
class UpstreamLatencyStats:
    avg: float | None = strawberry.field(
        description="Mean over requests that reached the upstream (Kong's own answers excluded)."
    )


@strawberry.type(description="Traffic counts of one hour or day of a series.")
class TrafficPoint:
    start: datetime = strawberry.field(description="Start of the bucket, in the series' zone.")
    requests: int = strawberry.field(description="Requests.")
    client_errors: int = strawberry.field(description="4xx answers.")
    server_errors: int = strawberry.field(description="5xx answers.")
    error_rate: float = strawberry.field(description="(4xx + 5xx) / requests; 0 without requests.")
    latency_ms_avg: float | None = strawberry.field(description="Mean total latency.")


def _point(point: traffic.SeriesPoint) -> TrafficPoint:
    totals = point.totals
    return TrafficPoint(
        start=point.start,
        requests=totals.requests,
        client_errors=totals.status_4xx,
        server_errors=totals.status_5xx,
        error_rate=totals.error_rate,
        latency_ms_avg=totals.latency_avg,
    )


@strawberry.type(description="Traffic of an application, connection or service version.")
class TrafficSummary:
    from_: datetime = strawberry.field(name="from", description="Start of the window (UTC).")
    to: datetime = strawberry.field(description="End of the window, exclusive (UTC).")
    requests: int = strawberry.field(description="Requests in the window.")
    successes: int = strawberry.field(description="2xx answers.")
    redirects: int = strawberry.field(description="3xx answers.")
    client_errors: int = strawberry.field(description="4xx answers.")
    server_errors: int = strawberry.field(description="5xx answers.")
    errors: int = strawberry.field(description="4xx and 5xx answers together.")
    error_rate: float = strawberry.field(description="(4xx + 5xx) / requests; 0 without requests.")
    latency_ms: LatencyStats = strawberry.field(description="Total latency (Kong's view).")
    upstream_latency_ms: UpstreamLatencyStats = strawberry.field(description="Upstream latency.")
    last_request_at: datetime | None = strawberry.field(description="The newest request seen.")
    group: strawberry.Private[GroupBy]
    key: strawberry.Private[tuple[int, ...]]
    window: strawberry.Private[Window]
    developer_id: strawberry.Private[int | None] = None  # see `owner_scope`

    @classmethod
    def of(
        cls,
        group: GroupBy,
        key: tuple[int, ...],
        window: Window,
        totals: TrafficTotals,
        *,
        developer_id: int | None = None,
    ) -> TrafficSummary:
        return cls(
            from_=window.start,
            to=window.end,
            requests=totals.requests,
            successes=totals.status_2xx,
            redirects=totals.status_3xx,
            client_errors=totals.status_4xx,
            server_errors=totals.status_5xx,
            errors=totals.errors,
            error_rate=totals.error_rate,
            latency_ms=LatencyStats(
                avg=totals.latency_avg,
                p50=totals.latency_percentile(0.50),
                p95=totals.latency_percentile(0.95),
                p99=totals.latency_percentile(0.99),
                max=totals.latency_max if totals.requests else None,
            ),
            upstream_latency_ms=UpstreamLatencyStats(avg=totals.upstream_latency_avg),
            last_request_at=totals.last_request_at,
            group=group,
            key=key,
            window=window,
            developer_id=developer_id,
        )

    @strawberry.field(description="Points by hour or by day (in an IANA time zone), oldest first.")
    async def series(
        self,
        granularity: traffic.Granularity = traffic.Granularity.DAY,
        time_zone: str = "UTC",
    ) -> list[TrafficPoint]:
        points = await traffic.series(
            self.group,
            self.key,
            self.window,
            granularity,
            time_zone,
            developer_id=self.developer_id,
        )
        return [_point(p) for p in points]


async def load_summary(
    info: Info[Context, None],
    group: GroupBy,
    key: tuple[int, ...],
    window: traffic.TrafficWindow | None,
    start: datetime | None,
    end: datetime | None,
) -> TrafficSummary:
    """Batched: every object of one kind and window on the page shares one statement."""
    bounds = traffic.window_for(window, start, end, now=info.context.loaders.now)
    owner = owner_scope(info.context, group)
    totals = await info.context.loaders.traffic(group, bounds, owner).load(key)
    return TrafficSummary.of(group, key, bounds, totals, developer_id=owner)


def owner_scope(ctx: Context, group: GroupBy) -> int | None:
    """The authorization point of traffic: applications and connections are only reached
    when visible, but service versions are the public catalogue, and their traffic is other
    developers' requests. A developer sees a version's traffic from their own applications."""
    if group is not GroupBy.SERVICE_VERSION:
        return None
    viewer = ctx.require_viewer()
    return None if viewer.reads_everything else (viewer.developer_id or -1)


@strawberry.type(
    description="Gateway requests that matched no application or no service version: what "
    "the mapping of consumers and gateway services misses."
)
class UnattributedTraffic:
    reason: str = strawberry.field(
        description="anonymous (no consumer), unknown_consumer, no_service or unknown_service."
    )
    consumer: str = strawberry.field(description="The consumer key seen, empty when none.")
    service: str = strawberry.field(description="The gateway service seen, empty when none.")
    requests: int = strawberry.field(description="Requests in the window.")
    last_request_at: datetime | None = strawberry.field(description="The newest such request.")

    @classmethod
    def of(cls, row: traffic.UnattributedSummary) -> UnattributedTraffic:
        return cls(
            reason=row.reason,
            consumer=row.consumer,
            service=row.service,
            requests=row.requests,
            last_request_at=(
                datetime.fromtimestamp(row.last_request_ms / 1000, UTC)
                if row.last_request_ms
                else None
            ),
        )
