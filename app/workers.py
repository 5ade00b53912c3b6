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
from types import FrameType
from typing import Any


def _socket(host: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def _serve_one(options: dict[str, Any]) -> None:
    import uvicorn

    config = uvicorn.Config(**options)
    uvicorn.Server(config).run(sockets=[_socket(options["host"], options["port"])])


def run(workers: int, options: dict[str, Any]) -> int:
    """Run `workers` uvicorn servers with `options` (uvicorn.Config's) until a signal; if one
    process ends, stop the others: a server missing a process would serve less in silence."""
    if not hasattr(socket, "SO_REUSEPORT"):
        import uvicorn

        uvicorn.run(workers=workers, **options)
        return 0
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
    return 0 if codes <= {0, -signal.SIGTERM} else 1
