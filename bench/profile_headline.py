"""Where one headline page's time goes: run it in-process (no HTTP, no load generator) against
a loaded benchmark database, report the mean per request, and profile it with pyinstrument.

    DEVPORTAL_DATABASE_URL=postgres://devportal:devportal@127.0.0.1:5432/devportal_bench \\
        .venv/bin/python bench/profile_headline.py [--iterations 200] [--offset 0 | --walk] \\
        [--html out.html | --no-profile]

`--walk` moves through the pages (offset 0, 50, ... 9,950, then again) as the load driver's
deep-page run does, so caches that page 0 keeps warm are seen cold.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import time
from pathlib import Path

from starlette.requests import Request
from tortoise import Tortoise

from app.api.context import Context
from app.api.schema import build_schema
from app.db import tortoise_config
from app.domain.viewer import ANONYMOUS
from app.settings import Settings

QUERY = (Path(__file__).parent / "queries" / "headline.graphql").read_text()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--iterations", type=int, default=200)
    parser.add_argument("--offset", type=int, default=0)
    parser.add_argument("--walk", action="store_true", help="a different page each request")
    parser.add_argument("--html", type=Path)
    parser.add_argument("--no-profile", action="store_true", help="time only")
    args = parser.parse_args()
    settings = Settings.from_env()
    await Tortoise.init(config=tortoise_config(settings), _enable_global_fallback=True)
    schema = build_schema(settings)
    request = Request({"type": "http", "method": "POST", "headers": [], "path": "/graphql"})

    pages = itertools.cycle(range(0, 10_000, 50)) if args.walk else itertools.repeat(args.offset)

    async def once() -> None:
        context = Context(request=request, response=None, settings=settings, viewer=ANONYMOUS)
        variables = {"first": 50, "offset": next(pages)}
        result = await schema.execute(QUERY, variable_values=variables, context_value=context)
        assert result.errors is None, result.errors

    for _ in range(20):
        await once()
    # In rounds of 50: on a shared machine the best round is the steadiest figure to compare
    # two versions of the code by; the mean is what a server would see.
    rounds = []
    started, cpu = time.perf_counter(), time.process_time()
    for done in range(0, args.iterations, 50):
        round_cpu = time.process_time()
        for _ in range(min(50, args.iterations - done)):
            await once()
        rounds.append((time.process_time() - round_cpu) / min(50, args.iterations - done))
    wall = (time.perf_counter() - started) / args.iterations * 1000
    cpu_ms = (time.process_time() - cpu) / args.iterations * 1000
    print(
        f"{args.iterations} requests: {wall:.1f} ms wall, {cpu_ms:.1f} ms CPU (this process), "
        f"best round of 50 {min(rounds) * 1000:.1f} ms CPU"
    )

    if args.no_profile:
        await Tortoise.close_connections()
        return
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.0005, async_mode="disabled")
    with profiler:
        for _ in range(args.iterations):
            await once()
    print(profiler.output_text(unicode=False, color=False, show_all=False))
    if args.html:
        args.html.write_text(profiler.output_html())
    await Tortoise.close_connections()


if __name__ == "__main__":
    asyncio.run(main())
