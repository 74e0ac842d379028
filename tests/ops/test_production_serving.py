"""Production serving (`python -m app.ops.serve`): gunicorn on a unix socket behind nginx.

Issue 19 item 5: 100 slow connections must not take the API down (GET /health answers 200
within 1 s all along), and the errors the HTTP server makes itself are JSON in the API's shape.
nginx is production-only: without the binary these tests are skipped (CI installs it).
"""

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

import pytest
import requests

from tests.conftest import BASE_DIR, free_port, suite_database_url, wait_until_healthy

pytestmark = pytest.mark.skipif(
    not (shutil.which("nginx") or os.access("/usr/sbin/nginx", os.X_OK)),
    reason="nginx is not installed (production serving only; `apt-get install nginx-light`)",
)

SLOW_CONNECTIONS = 100
DRIP_SECONDS = 15  # beyond nginx's 10 s client timeouts, so that they run out during the test
PROBE_EVERY = 0.5
HEALTH_BOUND = 1.0  # the bound on /health under slow clients
CHEAP_HASHES = {"ARGON2_TIME_COST": "1", "ARGON2_MEMORY_COST": "1024", "ARGON2_PARALLELISM": "1"}


def launch(port, runtime):
    """The launcher as a subprocess with 2 gunicorn workers, nginx on `port`."""
    env = {
        **os.environ,
        **CHEAP_HASHES,
        "APP_ENV": "development",
        "DATABASE_URL": suite_database_url(),
        "GUNICORN_WORKERS": "2",
        "GUNICORN_LOG_LEVEL": "warning",
        "SERVE_BIND": f"127.0.0.1:{port}",
        "SERVE_RUNTIME_DIR": runtime,
    }
    return subprocess.Popen([sys.executable, "-m", "app.ops.serve"], cwd=BASE_DIR, env=env)


@pytest.fixture()
def runtime_dir():
    # A short path: a unix socket's path must stay under 108 bytes.
    runtime = tempfile.mkdtemp(prefix="tapestry-serve-")
    yield runtime
    shutil.rmtree(runtime, ignore_errors=True)


@pytest.fixture()
def production_server(db, runtime_dir):
    """Yields nginx's base URL, the launcher serving the suite's database."""
    port = free_port()
    process = launch(port, runtime_dir)
    try:
        wait_until_healthy(f"http://127.0.0.1:{port}", process)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=60)


def test_sigterm_stops_nginx_and_gunicorn(db, runtime_dir):
    port = free_port()
    process = launch(port, runtime_dir)
    try:
        wait_until_healthy(f"http://127.0.0.1:{port}", process)
    finally:
        process.terminate()
        status = process.wait(timeout=60)
    assert status == 0
    with pytest.raises(ConnectionRefusedError):  # nginx is gone
        socket.create_connection(("127.0.0.1", port), timeout=5).close()
    assert not os.path.exists(os.path.join(runtime_dir, "gunicorn.sock"))  # gunicorn too
    assert not os.path.exists(os.path.join(runtime_dir, "nginx.pid"))


def open_slow_connections(url, head):
    """SLOW_CONNECTIONS sockets that have each sent `head`, and no more, to the server."""
    port = int(url.rsplit(":", 1)[1])
    connections = []
    for _ in range(SLOW_CONNECTIONS):
        sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        sock.sendall(head)
        connections.append(sock)
    return connections


def drip(connections, stop):
    """One more header byte a second on every connection, until `stop` or DRIP_SECONDS; a
    connection the server closed is left alone."""
    deadline = time.monotonic() + DRIP_SECONDS
    live = list(connections)
    while live and not stop.is_set() and time.monotonic() < deadline:
        for sock in list(live):
            try:
                sock.send(b"a")
            except OSError:
                live.remove(sock)
        stop.wait(1)


def probe_health(url, seconds):
    """GET /health every PROBE_EVERY s for `seconds`: the failures (not 200 within 1 s)."""
    failures, probes = [], 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        probes += 1
        try:
            status = requests.get(f"{url}/health", timeout=HEALTH_BOUND).status_code
            if status != 200:
                failures.append(status)
        except requests.RequestException as error:
            failures.append(type(error).__name__)
        time.sleep(PROBE_EVERY)
    return probes, failures


def close_all(connections):
    for sock in connections:
        sock.close()


def test_slow_headers_on_100_connections_do_not_hold_the_workers(production_server):
    head = b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "
    connections = open_slow_connections(production_server, head)
    stop = threading.Event()
    dripper = threading.Thread(target=drip, args=(connections, stop), daemon=True)
    dripper.start()
    try:
        probes, failures = probe_health(production_server, DRIP_SECONDS)
    finally:
        stop.set()
        dripper.join(timeout=5)
        close_all(connections)
    assert probes >= 10
    assert failures == []


def test_bodies_shorter_than_their_content_length_do_not_hold_the_workers(production_server):
    head = (
        b"POST /auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        b"Content-Length: 1000\r\n\r\n{"
    )
    connections = open_slow_connections(production_server, head)
    try:
        probes, failures = probe_health(production_server, 6)
    finally:
        close_all(connections)
    assert probes >= 5
    assert failures == []


def exchange(url, raw, seconds=10):
    """(status, headers, body) of the answer to raw bytes sent on a new connection."""
    port = int(url.rsplit(":", 1)[1])
    chunks = []
    with socket.create_connection(("127.0.0.1", port), timeout=seconds) as sock:
        sock.sendall(raw)
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and (chunk := sock.recv(65536)):
            chunks.append(chunk)
    head, _, body = b"".join(chunks).partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in header_lines if ": " in line)
    return int(status_line.split()[1]), {k.lower(): v for k, v in headers.items()}, body


def request(path="/health", headers="", line=None):
    line = line or f"GET {path} HTTP/1.1"
    return f"{line}\r\nHost: 127.0.0.1\r\n{headers}Connection: close\r\n\r\n".encode()


# What the HTTP server answers itself, before the app sees the request: (raw, status, code).
SERVER_ERRORS = [
    (request("/" + "a" * 10_000), 414, "uri_too_long"),
    (request(headers=f"X-Big: {'a' * 20_000}\r\n"), 431, "request_header_fields_too_large"),
    (request(line="GET /health HTTP/1.1 junk"), 400, "bad_request"),
    (request(headers="Content-Length: 2000000\r\n"), 413, "payload_too_large"),
]


def test_errors_the_server_makes_itself_are_json(production_server):
    for raw, status, code in SERVER_ERRORS:  # one server for all: each boot takes seconds
        answered, headers, body = exchange(production_server, raw)
        assert (answered, code) == (status, json.loads(body)["code"]), raw[:40]
        assert headers["content-type"].startswith("application/json")
        assert isinstance(json.loads(body)["error"], str)
