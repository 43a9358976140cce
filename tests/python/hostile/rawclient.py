"""A raw-socket HTTP/1.1 client for saying what a polite client never says (half-sent heads, lying
Content-Lengths, pipelined garbage), and reading answers byte-exactly, with timeouts everywhere.
127.0.0.1 only."""

from __future__ import annotations

import json
import select
import socket
import time
from dataclasses import dataclass


class Closed(Exception):
    """The server closed (or reset) the connection."""


@dataclass
class RawResponse:
    status: int
    reason: str
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None

    def json(self):
        return json.loads(self.body)

    def __repr__(self) -> str:
        return f"<{self.status} {self.reason} headers={self.headers} body={self.body[:300]!r}>"


def chat_body(model: str, stream: bool = False, content: str = "hi") -> bytes:
    payload = {"model": model, "messages": [{"role": "user", "content": content}]}
    if stream:
        payload["stream"] = True
    return json.dumps(payload).encode()


def request_bytes(method: str, path: str, body: bytes = b"", headers: list[tuple[str, str]] | None = None,
                  key: str | None = None, content_length: int | None = None) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1"]
    if key is not None:
        lines.append(f"Authorization: Bearer {key}")
    if method in ("POST", "PUT", "PATCH") or body:
        lines.append("Content-Type: application/json")
        lines.append(f"Content-Length: {len(body) if content_length is None else content_length}")
    lines += [f"{name}: {value}" for name, value in headers or []]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


class RawClient:
    def __init__(self, port: int, timeout: float = 5.0):
        self.port = port
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = b""
        self.eof = False

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass

    def send(self, data: bytes) -> bool:
        """False when the server already closed or reset the connection."""
        try:
            self.sock.sendall(data)
            return True
        except OSError:
            return False

    # MARK: Reading

    def _fill(self, deadline: float) -> None:
        """Reads more bytes into the buffer; raises Closed at EOF/reset, TimeoutError past deadline."""
        if self.eof:
            raise Closed()
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError()
        readable, _, _ = select.select([self.sock], [], [], left)
        if not readable:
            raise TimeoutError()
        try:
            data = self.sock.recv(1 << 20)
        except (ConnectionResetError, BrokenPipeError, OSError):
            data = b""
        if not data:
            self.eof = True
            raise Closed()
        self.buffer += data

    def _take_until(self, marker: bytes, deadline: float) -> bytes:
        while marker not in self.buffer:
            self._fill(deadline)
        data, self.buffer = self.buffer.split(marker, 1)
        return data

    def _take(self, count: int, deadline: float) -> bytes:
        while len(self.buffer) < count:
            self._fill(deadline)
        data, self.buffer = self.buffer[:count], self.buffer[count:]
        return data

    def read_head(self, timeout: float = 5.0) -> tuple[int, str, list[tuple[str, str]]]:
        deadline = time.monotonic() + timeout
        while True:
            raw = self._take_until(b"\r\n\r\n", deadline).decode("latin-1")
            lines = raw.split("\r\n")
            parts = lines[0].split(" ", 2)
            status = int(parts[1])
            headers = []
            for line in lines[1:]:
                name, _, value = line.partition(":")
                headers.append((name.strip(), value.strip()))
            if status == 100:  # interim answer: the real one follows
                continue
            return status, parts[2] if len(parts) > 2 else "", headers

    def read_response(self, timeout: float = 5.0, method: str = "POST") -> RawResponse:
        deadline = time.monotonic() + timeout
        status, reason, headers = self.read_head(timeout)
        response = RawResponse(status, reason, headers, b"")
        if method == "HEAD" or status in (204, 304):
            return response
        length = response.header("content-length")
        if length is not None:
            response.body = self._take(int(length), deadline)
        elif (response.header("transfer-encoding") or "").lower() == "chunked":
            response.body = b"".join(self.iter_chunked(deadline))
        else:
            try:
                while True:
                    self._fill(deadline)
            except Closed:
                pass
            response.body, self.buffer = self.buffer, b""
        return response

    def iter_chunked(self, deadline: float):
        """Yields the pieces of a chunked body until its last chunk (raises Closed if it is cut)."""
        while True:
            size_line = self._take_until(b"\r\n", deadline)
            size = int(size_line.split(b";")[0].strip() or b"0", 16)
            if size == 0:
                self._take_until(b"\r\n", deadline)  # (no trailers)
                return
            yield self._take(size, deadline)
            self._take(2, deadline)

    def wait_closed(self, timeout: float) -> float | None:
        """Waits for the server to close the connection, discarding what it sends; returns the time
        (time.monotonic()) it closed, or None if it was still open after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        try:
            while True:
                self._fill(deadline)
        except Closed:
            return time.monotonic()
        except TimeoutError:
            return None


def exchange(port: int, data: bytes, timeout: float = 5.0) -> tuple[RawResponse | None, str | None, float]:
    """Sends `data` on a new connection and reads one answer: (response, problem, seconds)."""
    started = time.monotonic()
    try:
        with RawClient(port, timeout) as client:
            client.send(data)
            response = client.read_response(timeout)
            return response, None, time.monotonic() - started
    except Closed:
        return None, "connection closed without an answer", time.monotonic() - started
    except TimeoutError:
        return None, f"no answer within {timeout} s", time.monotonic() - started
    except OSError as error:
        return None, f"socket error: {error!r}", time.monotonic() - started


@dataclass
class StreamOutcome:
    """What a client of a streamed chat saw."""
    status: int
    events: list[str]          # the `data:` payloads, in order
    clean_end: bool            # the response body ended properly (last chunk, or its full length)
    closed: bool               # the connection was closed (or reset) before that
    timed_out: bool
    body: bytes = b""

    @property
    def done(self) -> bool:
        return bool(self.events) and self.events[-1] == "[DONE]"

    @property
    def error_events(self) -> list[str]:
        return [e for e in self.events if e.startswith("{") and '"error"' in e]

    def describe(self) -> str:
        how = "clean end" if self.clean_end else "connection closed" if self.closed else "timed out" if self.timed_out else "?"
        return f"{self.status}, {len(self.events)} events ({'ends with [DONE]' if self.done else 'no [DONE]'}), {how}"


def read_stream(client: RawClient, timeout: float = 10.0) -> StreamOutcome:
    """Reads a (chunked or length-delimited) SSE answer to its end, or until the connection closes."""
    deadline = time.monotonic() + timeout
    status, _, headers = client.read_head(timeout)
    outcome = StreamOutcome(status, [], False, False, False)
    response = RawResponse(status, "", headers, b"")
    pieces = []
    try:
        length = response.header("content-length")
        if length is not None:
            pieces.append(client._take(int(length), deadline))
        elif (response.header("transfer-encoding") or "").lower() == "chunked":
            for piece in client.iter_chunked(deadline):
                pieces.append(piece)
        else:
            while True:
                client._fill(deadline)
                pieces.append(client.buffer)
                client.buffer = b""
        outcome.clean_end = True
    except Closed:
        outcome.closed = True
    except TimeoutError:
        outcome.timed_out = True
    outcome.body = b"".join(pieces)
    for line in outcome.body.split(b"\n"):
        if line.startswith(b"data:"):
            outcome.events.append(line[5:].strip().decode("utf-8", "replace"))
    return outcome
