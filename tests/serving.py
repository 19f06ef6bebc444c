"""Serving an ASGI app under a real uvicorn on 127.0.0.1 for a test, on a free port."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn

from bot.ops.web import server_config


@contextmanager
def served(app: Any, **config: Any) -> Iterator[str]:
    """Yields the base URL (http://127.0.0.1:PORT) while uvicorn serves `app` in a thread,
    with the settings `values-bot run --http` uses (bot.ops.web.server_config)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(server_config(app, **config))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def bot_process(env: dict[str, str]) -> Iterator[str]:
    """A real `python -m bot run --http` process; yields its base URL once /healthz answers."""
    with running_bot(env) as (base, _process):
        yield base


@contextmanager
def running_bot(env: dict[str, str]) -> Iterator[tuple[str, Any]]:
    """Like bot_process, and the process itself (to kill it)."""
    import os
    import subprocess
    import sys

    import httpx
    import pytest

    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "run", "--http", "--host", "127.0.0.1", "--port", str(port)],
        env=os.environ | env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/healthz").status_code == 200:
                break
        except httpx.TransportError:
            if process.poll() is not None:
                break
            time.sleep(0.1)
    else:
        process.kill()
        pytest.fail(f"values-bot did not start: {process.communicate()[0]}")
    if process.poll() is not None:
        pytest.fail(f"values-bot stopped: {process.communicate()[0]}")
    try:
        yield base, process
    finally:
        process.terminate()
        process.wait(timeout=10)


class Spawned:
    """A real `python -m bot …` process whose output (stdout and stderr) is read as it comes."""

    def __init__(self, args: list[str], env: dict[str, str], *, stdin: bool = False) -> None:
        import os
        import subprocess
        import sys

        self.lines: list[str] = []
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot", *args],
            env=os.environ | env,
            stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    def wait_for(self, text: str, timeout: float = 20.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in list(self.lines):
                if text in line:
                    return line
            if self.process.poll() is not None and not self._reader.is_alive():
                break
            time.sleep(0.02)
        raise AssertionError(f"no line with {text!r} in:\n" + "\n".join(self.lines))

    def wait_serving(self, base: str, timeout: float = 20.0) -> None:
        """Until `base`/livez answers (the banner is printed just before the port is bound)."""
        import httpx

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/livez", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                if self.process.poll() is not None:
                    break
                time.sleep(0.05)
        raise AssertionError("not serving:\n" + "\n".join(self.lines))

    def type(self, line: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()

    def stop(self, signal_number: int, timeout: float = 15.0) -> tuple[int, float]:
        """Send a signal; (exit code, seconds it took to exit)."""
        started = time.monotonic()
        self.process.send_signal(signal_number)
        code = self.process.wait(timeout=timeout)
        self._reader.join(timeout=5)
        return code, time.monotonic() - started

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
