"""Several server processes on one port, each with its own listening socket (SO_REUSEPORT).

uvicorn's own `--workers` shares one socket between its processes, and whichever process
wakes first accepts every connection waiting: a client that opens its keep-alive
connections at once (a browser, a load balancer, a benchmark) gets them all served by one
process while the others idle. With a socket per process the kernel spreads new
connections over the processes as they arrive.
"""

from __future__ import annotations

import multiprocessing
import signal
import socket
import sys
import tempfile
from pathlib import Path
from types import FrameType
from typing import IO, Any


def _socket(host: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def _die_with_parent() -> None:
    """Linux: end this worker when the supervising process dies (even by SIGKILL), so that
    no orphan keeps serving the port."""
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _serve_one(options: dict[str, Any]) -> None:
    import uvicorn

    _die_with_parent()

    config = uvicorn.Config(**options)
    uvicorn.Server(config).run(sockets=[_socket(options["host"], options["port"])])


def run(workers: int, options: dict[str, Any]) -> int:
    """Run `workers` uvicorn servers with `options` (uvicorn.Config's) until a signal; if one
    process ends, stop the others: a server missing a process would serve less in silence."""
    if not hasattr(socket, "SO_REUSEPORT"):
        import uvicorn

        uvicorn.run(workers=workers, **options)
        return 0
    lock = _claim(options["host"], options["port"])
    if lock is None:
        print(
            f"error: another devportal server already listens on {options['host']}:"
            f"{options['port']}; stop it, or choose --port",
            file=sys.stderr,
        )
        return 2
    context = multiprocessing.get_context("spawn")
    processes = [context.Process(target=_serve_one, args=(options,)) for _ in range(workers)]
    for process in processes:
        process.start()

    def stop(signum: int, _frame: FrameType | None) -> None:
        for process in processes:
            if process.is_alive() and process.pid is not None:
                process.terminate()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    from multiprocessing.connection import wait

    wait([process.sentinel for process in processes])
    stop(signal.SIGTERM, None)
    for process in processes:
        process.join(timeout=15)
        if process.is_alive():
            process.kill()
    codes = {process.exitcode for process in processes}
    lock.close()
    return 0 if codes <= {0, -signal.SIGTERM} else 1


def _claim(host: str, port: int) -> IO[str] | None:
    """An exclusive lock on host:port for this server's lifetime: SO_REUSEPORT would let a
    second server started at the same moment share the port in silence."""
    import fcntl

    path = Path(tempfile.gettempdir()) / f"devportal-{host.replace(':', '_')}-{port}.lock"
    handle = path.open("a")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        return None
    return handle
