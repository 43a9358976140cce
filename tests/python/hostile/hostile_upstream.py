"""A deliberately misbehaving OpenAI-compatible upstream, on raw sockets (one thread per connection).

It speaks HTTP/1.1 `POST /v1/chat/completions` like OpenAI when it behaves, and picks its
misbehaviour per request from the upstream model name (the gateway is asked for
`hostile/<behaviour>`, so the upstream receives `model: "<behaviour>"`). Listens on 127.0.0.1 only.

Every connection is recorded (`Connection`): which behaviour it served, when the request arrived
and when the peer (the gateway) closed it, so tests can assert that the gateway let go of an
upstream call.
"""

from __future__ import annotations

import json
import re
import select
import socket
import struct
import threading
import time
from dataclasses import dataclass, field

# 429 answers with absurd or malformed rate-limit hints: behaviour name -> extra headers.
RATE_LIMIT_HEADERS: dict[str, list[tuple[str, str]]] = {
    "ra-1e30": [("Retry-After", "1e30")],
    "ra-negative": [("Retry-After", "-5")],
    "ra-nan": [("Retry-After", "nan")],
    "ra-inf": [("Retry-After", "inf")],
    "ra-abc": [("Retry-After", "abc")],
    "ra-20-digits": [("Retry-After", "99999999999999999999")],
    "ra-ms-1e300": [("retry-after-ms", "1e300")],
    "ra-reset-huge": [("x-ratelimit-limit-requests", "100"), ("x-ratelimit-remaining-requests", "0"),
                      ("x-ratelimit-reset-requests", "99999999999h")],
}


@dataclass
class Connection:
    """One upstream connection as the hostile server saw it."""
    id: int
    accepted_at: float
    behaviours: list[str] = field(default_factory=list)
    request_at: float | None = None
    # When the gateway closed (EOF or reset) the connection while we were still serving or waiting.
    peer_closed_at: float | None = None
    # When we closed it ourselves (part of the misbehaviour, or after the answer).
    we_closed_at: float | None = None
    bytes_sent: int = 0


def chat_completion(model: str, content: str = "hello from the hostile upstream") -> dict:
    return {
        "id": "chatcmpl-hostile",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 5, "completion_tokens": 7, "total_tokens": 12},
    }


def chunk(model: str, content: str | None = None, finish: str | None = None) -> bytes:
    """One `chat.completion.chunk` SSE event; `content=""` is the opening role delta."""
    if content == "":
        delta = {"role": "assistant", "content": ""}
    else:
        delta = {} if content is None else {"content": content}
    body = {"id": "chatcmpl-hostile", "object": "chat.completion.chunk", "created": int(time.time()), "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
    return b"data: " + json.dumps(body).encode() + b"\n\n"


# Past this size the request is not decoded whole: this upstream runs in the test's process, beside
# the stall probe's threads, and `json.loads` of a megabyte holds the interpreter lock for tens of
# milliseconds, which the probe would report as the gateway stalling.
_DECODED_BODY_LIMIT = 64 * 1024
_MODEL = re.compile(rb'"model"\s*:\s*"((?:[^"\\]|\\.)*)"')
_STREAM = re.compile(rb'"stream"\s*:\s*(true|false)')


def _behaviour_and_stream(body: bytes) -> tuple[str, bool]:
    """The behaviour the test asked for (the request's `model`) and whether it wants a stream."""
    if len(body) <= _DECODED_BODY_LIMIT:
        try:
            request = json.loads(body or b"{}")
        except ValueError:
            request = {}
        if not isinstance(request, dict):
            return "ok", False
        return str(request.get("model", "ok")), bool(request.get("stream"))
    # The first occurrences: the tests' bodies (`rawclient.chat_body`) put `model` first and their
    # extra fields last, and the gateway keeps the client's order.
    model, stream = _MODEL.search(body), _STREAM.search(body)
    return (json.loads(b'"' + model.group(1) + b'"') if model else "ok"), bool(stream and stream.group(1) == b"true")


class _PeerClosed(Exception):
    pass


class HostileUpstream:
    def __init__(self) -> None:
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(512)
        self.port = self._listener.getsockname()[1]
        self.connections: list[Connection] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._next_id = 0
        self._thread = threading.Thread(target=self._accept_loop, name="hostile-upstream", daemon=True)
        self._thread.start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def close(self) -> None:
        self._stopping.set()
        try:
            self._listener.close()
        except OSError:
            pass

    # MARK: Queries for tests

    def served(self, behaviour: str, since: float = 0.0) -> list[Connection]:
        with self._lock:
            return [c for c in self.connections if behaviour in c.behaviours and (c.request_at or 0) >= since]

    def wait_for_request(self, behaviour: str, since: float, count: int = 1, timeout: float = 5.0) -> list[Connection]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.served(behaviour, since)
            if len(found) >= count:
                return found
            time.sleep(0.01)
        return self.served(behaviour, since)

    def wait_for_peer_close(self, connection: Connection, timeout: float) -> float | None:
        """The time the gateway closed `connection`, waiting up to `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if connection.peer_closed_at is not None:
                return connection.peer_closed_at
            time.sleep(0.01)
        return connection.peer_closed_at

    # MARK: Serving

    def _accept_loop(self) -> None:
        while not self._stopping.is_set():
            try:
                sock, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                self._next_id += 1
                connection = Connection(id=self._next_id, accepted_at=time.monotonic())
                self.connections.append(connection)
            threading.Thread(target=self._serve, args=(sock, connection), name=f"hostile-conn-{connection.id}",
                             daemon=True).start()

    def _serve(self, sock: socket.socket, connection: Connection) -> None:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        buffer = b""
        try:
            while True:
                head, buffer = self._read_head(sock, buffer, connection)
                if head is None:
                    return
                request_line, headers = head
                length = int(headers.get("content-length", "0") or 0)
                while len(buffer) < length:
                    data = sock.recv(65536)
                    if not data:
                        connection.peer_closed_at = time.monotonic()
                        return
                    buffer += data
                body, buffer = buffer[:length], buffer[length:]
                behaviour, stream = _behaviour_and_stream(body)
                connection.behaviours.append(behaviour)
                connection.request_at = time.monotonic()
                keep_alive = self._respond(sock, connection, behaviour, stream)
                if not keep_alive:
                    return
        except _PeerClosed:
            if connection.peer_closed_at is None:
                connection.peer_closed_at = time.monotonic()
        except OSError:
            if connection.peer_closed_at is None and connection.we_closed_at is None:
                connection.peer_closed_at = time.monotonic()
        finally:
            if connection.we_closed_at is None and connection.peer_closed_at is None:
                connection.we_closed_at = time.monotonic()
            try:
                sock.close()
            except OSError:
                pass

    @staticmethod
    def _read_head(sock: socket.socket, buffer: bytes, connection: Connection):
        while b"\r\n\r\n" not in buffer:
            try:
                data = sock.recv(65536)
            except OSError:
                data = b""
            if not data:
                if buffer or connection.behaviours:
                    # Idle keep-alive connection closed by the gateway: normal, but recorded.
                    connection.peer_closed_at = connection.peer_closed_at or time.monotonic()
                else:
                    connection.peer_closed_at = time.monotonic()
                return None, b""
            buffer += data
        raw, rest = buffer.split(b"\r\n\r\n", 1)
        lines = raw.decode("latin-1").split("\r\n")
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        return (lines[0], headers), rest

    # MARK: Behaviours

    def _send(self, sock: socket.socket, connection: Connection, data: bytes) -> None:
        try:
            sock.sendall(data)
        except OSError as error:
            raise _PeerClosed() from error
        connection.bytes_sent += len(data)

    @staticmethod
    def _head(status: str, headers: list[tuple[str, str]]) -> bytes:
        lines = [f"HTTP/1.1 {status}"] + [f"{name}: {value}" for name, value in headers]
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    def _json(self, sock, connection, status: str, payload: bytes, extra: list[tuple[str, str]] = (), close: bool = False) -> None:
        headers = [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))] + list(extra)
        if close:
            headers.append(("Connection", "close"))
        self._send(sock, connection, self._head(status, headers) + payload)

    def _wait_or_peer_close(self, sock: socket.socket, connection: Connection, seconds: float) -> None:
        """Sleeps `seconds` while watching the socket: raises _PeerClosed once the gateway closes it."""
        deadline = time.monotonic() + seconds
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return
            readable, _, _ = select.select([sock], [], [], min(left, 0.05))
            if readable:
                try:
                    data = sock.recv(65536)
                except OSError:
                    data = b""
                if not data:
                    connection.peer_closed_at = time.monotonic()
                    raise _PeerClosed()

    def _close_with_reset(self, sock: socket.socket, connection: Connection) -> None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        connection.we_closed_at = time.monotonic()
        sock.close()

    def _respond(self, sock: socket.socket, connection: Connection, behaviour: str, stream: bool) -> bool:
        """Answers one request; returns whether the connection stays open for another."""
        model = behaviour
        if behaviour in ("ok", "ok-stream") or behaviour.startswith("slow-"):
            if behaviour.startswith("slow-"):
                self._wait_or_peer_close(sock, connection, int(behaviour.split("-", 1)[1]) / 1000)
            if stream:
                self._sse_ok(sock, connection, model)
                return True
            self._json(sock, connection, "200 OK", json.dumps(chat_completion(model)).encode())
            return True

        if behaviour in RATE_LIMIT_HEADERS:
            payload = json.dumps({"error": {"message": "Rate limit reached", "type": "requests", "code": "rate_limit_exceeded",
                                            "param": None}}).encode()
            self._json(sock, connection, "429 Too Many Requests", payload, RATE_LIMIT_HEADERS[behaviour], close=True)
            return False

        if behaviour == "content-length-short":
            payload = json.dumps(chat_completion(model)).encode()
            head = self._head("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(payload) + 5000))])
            self._send(sock, connection, head + payload)
            return False
        if behaviour == "truncated-json":
            payload = json.dumps(chat_completion(model)).encode()
            payload = payload[: len(payload) // 2]
            self._json(sock, connection, "200 OK", payload, close=True)
            return False
        if behaviour == "malformed-json":
            self._json(sock, connection, "200 OK", b'{"id": "chatcmpl-x", "object": chat.completion, "choices": [}', close=True)
            return False
        if behaviour == "non-json":
            payload = b"<html><body>502 Bad Gateway (nginx)</body></html>"
            headers = [("Content-Type", "text/html"), ("Content-Length", str(len(payload))), ("Connection", "close")]
            self._send(sock, connection, self._head("200 OK", headers) + payload)
            return False

        if behaviour == "reset-in-head":
            self._send(sock, connection, b"HTTP/1.1 200 OK\r\nContent-Type: appli")
            time.sleep(0.05)
            self._close_with_reset(sock, connection)
            return False
        if behaviour == "close-in-head":
            self._send(sock, connection, b"HTTP/1.1 200 OK\r\nContent-Ty")
            time.sleep(0.05)
            connection.we_closed_at = time.monotonic()
            sock.shutdown(socket.SHUT_RDWR)
            return False

        if behaviour.startswith("trickle-"):
            # The head at once, then a space (JSON whitespace) every 100 ms for the given
            # milliseconds, then the answer: slow, but never idle, so no idle timeout applies.
            payload = json.dumps(chat_completion(model)).encode()
            seconds = int(behaviour.split("-", 1)[1]) / 1000
            pad = int(seconds / 0.1)
            self._send(sock, connection, self._head("200 OK", [("Content-Type", "application/json"),
                                                               ("Content-Length", str(pad + len(payload)))]))
            for _ in range(pad):
                self._send(sock, connection, b" ")
                self._wait_or_peer_close(sock, connection, 0.1)
            self._send(sock, connection, payload)
            return True
        if behaviour == "silent":
            # Reads the request and never answers (until the gateway gives up).
            self._wait_or_peer_close(sock, connection, 30)
            return False
        if behaviour in ("drip-head", "drip-body"):
            # A valid answer, one byte per second: from its first byte, or once the head is out.
            payload = json.dumps(chat_completion(model)).encode()
            head = self._head("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))])
            data = head + payload
            if behaviour == "drip-body":
                self._send(sock, connection, head)
                data = payload
            for i in range(len(data)):
                self._send(sock, connection, data[i:i + 1])
                self._wait_or_peer_close(sock, connection, 1.0)
            return False

        if behaviour == "sse-endless":
            self._send(sock, connection, self._sse_head())
            self._send(sock, connection, chunk(model, ""))
            n = 0
            while True:
                n += 1
                self._send(sock, connection, chunk(model, f"tick {n} "))
                self._wait_or_peer_close(sock, connection, 0.05)
        if behaviour == "sse-flood":
            # 64 KB events as fast as the gateway takes them, without end: a client that stops
            # reading fills every buffer between them, and the gateway's write deadline is then
            # what ends the stream (the upstream waits in `sendall` meanwhile).
            self._send(sock, connection, self._sse_head())
            self._send(sock, connection, chunk(model, ""))
            event = chunk(model, "x" * 65536)
            while True:
                self._send(sock, connection, event)
        if behaviour == "sse-truncated":
            self._send(sock, connection, self._sse_head())
            self._send(sock, connection, chunk(model, ""))
            for word in ("one ", "two ", "three "):
                self._send(sock, connection, chunk(model, word))
                time.sleep(0.02)
            # No finish chunk, no [DONE]: the stream just ends.
            connection.we_closed_at = time.monotonic()
            sock.shutdown(socket.SHUT_RDWR)
            return False
        if behaviour == "sse-malformed":
            self._send(sock, connection, self._sse_head())
            self._send(sock, connection, chunk(model, ""))
            self._send(sock, connection, chunk(model, "fine "))
            self._send(sock, connection, b'data: {"id": "chatcmpl-hostile", "choices": [{"delta": {"content": "bro\n\n')
            self._send(sock, connection, b"data: \xff\xfe\x00garbage\n\n")
            self._send(sock, connection, b": comment\nevent: weird\nretry: nope\ndata: not json at all\n\n")
            self._send(sock, connection, chunk(model, None, "stop"))
            self._send(sock, connection, b"data: [DONE]\n\n")
            connection.we_closed_at = time.monotonic()
            sock.shutdown(socket.SHUT_RDWR)
            return False

        if behaviour == "huge":
            # Advertises 200 MB of JSON and sends as much of it as the gateway takes.
            total = 200 * 1024 * 1024
            prefix = b'{"id":"chatcmpl-huge","object":"chat.completion","created":1,"model":"huge","choices":[{"index":0,' \
                     b'"message":{"role":"assistant","content":"'
            head = self._head("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(total))])
            self._send(sock, connection, head + prefix)
            block = b"a" * (1024 * 1024)
            sent = len(prefix)
            while sent < total:
                piece = block[: min(len(block), total - sent)]
                self._send(sock, connection, piece)
                sent += len(piece)
            return False

        # Unknown behaviour: a plain answer.
        self._json(sock, connection, "200 OK", json.dumps(chat_completion(model)).encode())
        return True

    @staticmethod
    def _sse_head() -> bytes:
        return HostileUpstream._head("200 OK", [("Content-Type", "text/event-stream"), ("Cache-Control", "no-cache"),
                                                ("Connection", "close")])

    def _sse_ok(self, sock, connection, model: str) -> None:
        # Chunked framing so the connection can be kept alive.
        def framed(data: bytes) -> bytes:
            return f"{len(data):x}\r\n".encode() + data + b"\r\n"
        head = self._head("200 OK", [("Content-Type", "text/event-stream"), ("Transfer-Encoding", "chunked")])
        self._send(sock, connection, head + framed(chunk(model, "")))
        for word in ("hello ", "world"):
            self._send(sock, connection, framed(chunk(model, word)))
        self._send(sock, connection, framed(chunk(model, None, "stop")) + framed(b"data: [DONE]\n\n") + b"0\r\n\r\n")
