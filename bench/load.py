"""A small closed-loop HTTP load generator: N threads, each sends one request per connection.

gunicorn's sync workers close the connection after each response, so every request sends
`Connection: close` and reads to EOF: no HTTP parsing beyond the status, little client CPU.
"""

import itertools
import re
import shutil
import socket
import statistics
import subprocess
import threading
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


def run(address, make_request, connections=1, seconds=None, total=None):
    """Sends make_request(i) for i = 0, 1, ... until `seconds` pass or `total` were sent."""
    numbers, result, lock = itertools.count(), Result(), threading.Lock()
    started = time.perf_counter()
    deadline = started + seconds if seconds else float("inf")

    def worker():
        statuses, latencies = Counter(), []
        while (i := next(numbers)) < (total or float("inf")) and time.perf_counter() < deadline:
            raw = make_request(i)
            begin = time.perf_counter()
            status, _ = fetch(address, raw)
            latencies.append(time.perf_counter() - begin)
            statuses[status] += 1
        with lock:
            result.statuses.update(statuses)
            result.latencies += latencies

    threads = [threading.Thread(target=worker) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.seconds = time.perf_counter() - started
    return result


def wrk(address, path, connections, seconds):
    """(requests/s, responses that were not 2xx or 3xx) measured by wrk."""
    url = f"http://{address[0]}:{address[1]}{path}"
    command = [WRK, "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", url]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1]), int(errors[1] if errors else 0)
