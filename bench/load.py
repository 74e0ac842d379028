"""A small closed-loop HTTP load generator: N connections in flight, one request on each.

gunicorn's sync workers close the connection after each response, so every request sends
`Connection: close` and reads to EOF: no HTTP parsing beyond the status, little client CPU.

One thread drives every connection with non-blocking sockets (selectors). A thread per
connection, as before, left the server waiting: gunicorn closes a connection only once the client
has closed its side, and 32 threads taking turns on the GIL were slow to do it (a fifth of a
worker's time, measured with py-spy).
"""

import itertools
import re
import selectors
import shutil
import socket
import statistics
import subprocess
import time
from collections import Counter
from dataclasses import dataclass, field

# wrk (C, Debian package `wrk`) measures throughput with less client CPU, when installed.
WRK = shutil.which("wrk")


def http_request(method, path, body=b"", headers=None):
    """The raw bytes of one HTTP/1.1 request."""
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    if body:
        lines += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def fetch(address, raw):
    """(status, body) of one request on a new connection."""
    with socket.create_connection(address) as sock:
        sock.sendall(raw)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    response = b"".join(chunks)
    return int(response[9:12]), response.partition(b"\r\n\r\n")[2]


@dataclass
class Result:
    seconds: float = 0.0
    statuses: Counter = field(default_factory=Counter)
    latencies: list = field(default_factory=list)  # seconds, one per request

    @property
    def rate(self):
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def percentile_ms(self, p):
        if len(self.latencies) < 2:
            return 1000 * (self.latencies or [0.0])[0]
        return 1000 * statistics.quantiles(self.latencies, n=100, method="inclusive")[p - 1]


def merged(results):
    """One Result of several runs: every latency and status, and their time added up."""
    total = Result()
    for result in results:
        total.seconds += result.seconds
        total.statuses.update(result.statuses)
        total.latencies.extend(result.latencies)
    return total


def run(address, make_request, connections=1, seconds=None, total=None):
    """Sends make_request(i) for i = 0, 1, ... until `seconds` pass or `total` were sent,
    keeping `connections` requests in flight; a request's latency runs from its connect() to
    the end of the response."""
    numbers, result = itertools.count(), Result()
    started = time.perf_counter()
    deadline = started + seconds if seconds else float("inf")
    limit = total if total is not None else float("inf")
    selector = selectors.DefaultSelector()

    def send_next():
        i = next(numbers)
        if i >= limit or time.perf_counter() >= deadline:
            return
        request = _Request(make_request(i))
        request.sock.connect_ex(address)  # non-blocking: writable once connected
        selector.register(request.sock, selectors.EVENT_WRITE, request)

    for _ in range(connections):
        send_next()
    while selector.get_map():
        for key, events in selector.select():
            request = key.data
            if events & selectors.EVENT_WRITE:
                if request.send():
                    selector.modify(request.sock, selectors.EVENT_READ, request)
            elif request.receive():
                selector.unregister(request.sock)
                request.sock.close()
                result.latencies.append(time.perf_counter() - request.begin)
                result.statuses[request.status()] += 1
                send_next()
    selector.close()
    result.seconds = time.perf_counter() - started
    return result


class _Request:
    """One request on its own non-blocking connection."""

    def __init__(self, raw):
        self.raw, self.chunks = memoryview(raw), []
        self.begin = time.perf_counter()
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setblocking(False)

    def send(self):
        """Sends what it can; True once the whole request is sent."""
        error = self.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        if error:
            raise OSError(error, "connect failed")
        self.raw = self.raw[self.sock.send(self.raw) :]
        return not self.raw

    def receive(self):
        """Reads what arrived; True at the end of the response (the server closed)."""
        chunk = self.sock.recv(65536)
        if chunk:
            self.chunks.append(chunk)
        return not chunk

    def status(self):
        return int(b"".join(self.chunks)[9:12])


def wrk(address, path, connections, seconds):
    """(requests/s, responses that were not 2xx or 3xx) measured by wrk."""
    url = f"http://{address[0]}:{address[1]}{path}"
    command = [WRK, "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", url]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1]), int(errors[1] if errors else 0)
