"""A real webhook receiver on loopback: a minimal HTTP/1.1 server on `asyncio.start_server`.

It verifies each request's HMAC itself, answers what the test's policy says (a status, or not at
all until cancelled), and records everything. It deduplicates nothing: counting by Idempotency-Key
shows exactly what a receiver would see.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def key(self) -> str:
        return self.headers.get("idempotency-key", "")

    @property
    def json(self) -> dict[str, Any]:
        parsed: dict[str, Any] = json.loads(self.body)
        return parsed


# What the dispatchers under test sign with; the receiver checks each request against it.
WEBHOOK_SECRET = "webhook-secret-for-tests"

# policy(request, how many requests with this key came before it) -> status to answer
Policy = Callable[[Request, int], Awaitable[int]]


async def always_ok(_: Request, __: int) -> int:
    return 200


@dataclass
class Receiver:
    secret: str
    policy: Policy = always_ok
    requests: list[Request] = field(default_factory=list)
    # (request, status) for every answer that was fully written back.
    answered: list[tuple[Request, int]] = field(default_factory=list)
    bad_signatures: int = 0
    _server: asyncio.Server | None = None
    _handlers: set[asyncio.Task[None]] = field(default_factory=set)
    _seen: Counter[str] = field(default_factory=Counter)

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.sockets[0].getsockname()[:2]
        return f"http://{host}:{port}/hooks/sessions"

    async def __aenter__(self) -> Receiver:
        self._server = await asyncio.start_server(self._connection, "127.0.0.1", 0)
        return self

    async def __aexit__(self, *_: object) -> None:
        assert self._server is not None
        self._server.close()
        for task in list(self._handlers):
            task.cancel()
        for task in list(self._handlers):
            with contextlib.suppress(asyncio.CancelledError, ConnectionError):
                await task
        await self._server.wait_closed()

    def acknowledged(self) -> Counter[str]:
        """Idempotency-Key → how many 2xx answers the receiver actually sent for it."""
        return Counter(request.key for request, status in self.answered if 200 <= status < 300)

    async def wait_for(self, condition: Callable[[], bool], within: float = 10.0) -> None:
        deadline = time.monotonic() + within
        while not condition():
            assert time.monotonic() < deadline, f"timed out; requests so far: {len(self.requests)}"
            await asyncio.sleep(0.01)

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._handlers.add(task)
        try:
            while (request := await self._read(reader)) is not None:
                self.requests.append(request)
                expected = hmac.new(self.secret.encode(), request.body, hashlib.sha256).hexdigest()
                if not hmac.compare_digest(expected, request.headers.get("x-signature-sha256", "")):
                    self.bad_signatures += 1
                earlier = self._seen[request.key]
                self._seen[request.key] += 1
                status = await self.policy(request, earlier)
                writer.write(f"HTTP/1.1 {status} X\r\ncontent-length: 2\r\n\r\nok".encode())
                await writer.drain()
                self.answered.append((request, status))
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            self._handlers.discard(task)
            writer.close()

    @staticmethod
    async def _read(reader: asyncio.StreamReader) -> Request | None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError:
            return None  # the client closed its keep-alive connection
        start, *lines = head.decode("latin-1").split("\r\n")
        method, path, _ = start.split(" ", 2)
        headers = {}
        for line in lines:
            if line:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
        body = await reader.readexactly(int(headers.get("content-length", "0")))
        return Request(method=method, path=path, headers=headers, body=body)
