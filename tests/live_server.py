"""A real uvicorn process serving the app on 127.0.0.1, for tests about the server itself.

In-process ASGI tests hide failures that only happen under uvicorn (design.md §8), so the
tests that matter start `devportal serve` in a subprocess against the test's database.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import httpx

from app.settings import Settings

REPO = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def live_server(
    settings: Settings, *, workers: int = 1, extra_env: dict[str, str] | None = None
) -> Iterator[str]:
    """Start `python -m app serve` on a free port; yield its base URL; stop it afterwards."""
    port = free_port()
    env = {
        **os.environ,
        "DEVPORTAL_DATABASE_URL": settings.database_url,
        "PYTHONUNBUFFERED": "1",
        "DEVPORTAL_RATE_LIMIT_PER_MINUTE": "0",  # tests outpace people; its own test sets it
        **(extra_env or {}),
    }
    # The server's output goes to a file, not a pipe: nobody reads a pipe while the server
    # runs, and once its buffer is full (a few hundred access-log lines) the server blocks.
    with tempfile.TemporaryFile("w+") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "app", "serve", "--port", str(port), "--workers", str(workers)],
            cwd=REPO,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            yield _wait_until_healthy(process, f"http://127.0.0.1:{port}", log)
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_until_healthy(process: subprocess.Popen[str], base: str, log: IO[str]) -> str:
    deadline = time.monotonic() + 30
    while True:
        if process.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"the server exited early:\n{log.read()}")
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return base
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError("the server did not answer /healthz within 30 s")
        time.sleep(0.1)
