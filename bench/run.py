"""`make bench`: list ratio, search at N events and hot-event bookings, on SQLite and PostgreSQL.

Each database gets a cached bench database (see seed.py), the app under gunicorn on a free port,
and a bare Flask app with the same gunicorn settings as the baseline of the list ratio. One table
is printed; the exit status is 1 only when the benchmark broke (crash, unexpected status,
oversell), never because of speed.
"""

import argparse
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench import bare_booking, load, seed

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / ".data"
APP_ENV = {
    "APP_ENV": "development",
    "ARGON2_TIME_COST": "1",
    "ARGON2_MEMORY_COST": "1024",
    "ARGON2_PARALLELISM": "1",
    "RATELIMIT_ENABLED": "false",
    "MAIL_BACKGROUND_SENDER": "false",
}
LIST_PATH = "/events?per_page=20"


def options():
    env = os.environ.get
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=int(env("BENCH_EVENTS", 100_000)))
    parser.add_argument("--seconds", type=float, default=float(env("BENCH_SECONDS", 4)))
    parser.add_argument("--rounds", type=int, default=int(env("BENCH_ROUNDS", 3)))
    parser.add_argument("--connections", type=int, default=int(env("BENCH_CONNECTIONS", 32)))
    parser.add_argument("--list-connections", type=int, default=int(env("BENCH_LIST_CONN", 4)))
    parser.add_argument("--stock", type=int, default=int(env("BENCH_STOCK", 1000)))
    parser.add_argument("--workers", type=int, default=int(env("BENCH_WORKERS", 2)))
    parser.add_argument("--databases", default=env("BENCH_DATABASES", "sqlite,postgresql"))
    parser.add_argument(
        "--pg-url",
        default=env("BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/tapestry_bench"),
    )
    return parser.parse_args()


# ------------------------------------------------------------------------------------ servers


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def gunicorn(app, env, workers, ready_path, name):
    """`app` under gunicorn (sync workers, no config file, no worker recycling); its address."""
    address = ("127.0.0.1", free_port())
    command = [
        sys.executable, "-m", "gunicorn", app, "--pythonpath", str(ROOT), "--no-control-socket",
        "-w", str(workers), "-b", f"{address[0]}:{address[1]}", "--log-level", "warning",
    ]  # fmt: skip
    # Started in bench/.data so that the project's gunicorn.conf.py is not read by either app.
    with open(DATA / f"{name}.log", "w") as log:
        server = subprocess.Popen(
            command, cwd=DATA, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        wait_ready(address, ready_path, server)
        yield address
    finally:
        server.terminate()
        server.wait(timeout=30)


def wait_ready(address, path, server):
    raw = load.http_request("GET", path)
    for _ in range(300):
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited ({server.returncode}); see bench/.data/*.log")
        try:
            if load.fetch(address, raw)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError("gunicorn did not answer within 30 s")


def postgres_reachable(url):
    engine = create_engine(url.rsplit("/", 1)[0] + "/postgres", connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return True
    except Exception:  # noqa: BLE001  (any failure means: skip PostgreSQL)
        return False
    finally:
        engine.dispose()


# ------------------------------------------------------------------------------- measurements


def expect(result, allowed, what, problems):
    unexpected = {status: n for status, n in result.statuses.items() if status not in allowed}
    if unexpected:
        problems.append(f"{what}: unexpected statuses {unexpected}")


def ms(result):
    return f"{result.percentile_ms(50):.1f} / {result.percentile_ms(99):.1f}"


def throughput(address, connections, seconds, problems):
    """Requests/s of GET LIST_PATH: wrk when installed, else the Python client."""
    if load.WRK:
        rate, errors = load.wrk(address, LIST_PATH, connections, seconds)
        if errors:
            problems.append(f"GET {LIST_PATH}: {errors} responses not 2xx/3xx")
        return rate
    raw = load.http_request("GET", LIST_PATH)
    result = load.run(address, lambda i: raw, connections, seconds=seconds)
    expect(result, {200}, f"GET {LIST_PATH}", problems)
    return result.rate


def list_ratio(app, bare, opts, problems):
    """Interleaved runs A B A B ...: the median req/s of each and their ratio."""
    rates = {app: [], bare: []}
    for address in rates:
        throughput(address, opts.list_connections, 1, problems)  # warm up
    for _ in range(opts.rounds):
        for address in rates:
            rates[address].append(
                throughput(address, opts.list_connections, opts.seconds, problems)
            )
    app_rate, bare_rate = statistics.median(rates[app]), statistics.median(rates[bare])
    return {
        f"GET {LIST_PATH}, req/s ({opts.list_connections} conns)": f"{app_rate:.0f}",
        "bare Flask, same JSON, req/s": f"{bare_rate:.0f}",
        "**list ratio R** (target ≥ 0.6)": f"**{app_rate / bare_rate:.2f}**",
    }


def search(app, opts, problems):
    """Every query must find events; then latencies sequential and under load, for repeated
    queries (answered from the exact per-process cache while nothing is written) and for queries
    that are each new (a distinct, always-true `date_to`), which do the whole search."""
    paths = ["/events?q=" + quote(words) for words in seed.SEARCH_WORDS]
    for path in paths:
        status, body = load.fetch(app, load.http_request("GET", path))
        if status != 200 or not json.loads(body)["total"]:
            problems.append(f"GET {path}: status {status}, expected matches")
    raws = [load.http_request("GET", path) for path in paths]

    def repeated(i):
        return raws[i % len(raws)]

    def new(i):
        minutes = f"{i // 60 % 24:02d}:{i % 60:02d}"
        day = f"{2100 + i // 1440 % 100}-01-01T{minutes}:00"
        return load.http_request("GET", f"{paths[i % len(paths)]}&date_to={day}")

    rows = {}
    for name, make in (("repeated", repeated), ("each new", new)):
        unloaded = load.run(app, make, 1, seconds=opts.seconds)
        loaded = load.run(app, make, opts.connections, seconds=opts.seconds)
        for result in (unloaded, loaded):
            expect(result, {200}, f"GET /events?q= ({name})", problems)
        rows |= {
            f"search `?q=` {name}, sequential: p50 / p99 ms (target p50 ≤ 10)": ms(unloaded),
            f"search {name}, {opts.connections} conns: p50 / p99 ms (target p99 ≤ 50)": ms(loaded),
            f"search {name}, {opts.connections} conns: req/s": f"{loaded.rate:.0f}",
        }
    return rows


def booking_request(event_id, buyer):
    """POST one ticket of the event for a buyer named `buyer` (a new email for each name)."""
    body = {"quantity": 1, "buyer": {"name": buyer, "email": f"{buyer}.{event_id}@bench.tn"}}
    return load.http_request("POST", f"/events/{event_id}/bookings", json.dumps(body).encode())


def search_during_sales(app, url, opts, problems):
    """Repeated searches while bookings run on another event: every booking commits, so page
    caches keep emptying; the ordered search results survive (they change only with the
    catalogue). Half the connections search, half book."""
    event_id = seed.add_hot_event(url, 10**6)  # never sold out within the run
    raws = [load.http_request("GET", "/events?q=" + quote(words)) for words in seed.SEARCH_WORDS]

    def booking(i):
        return booking_request(event_id, f"during{i}")

    half = max(opts.connections // 2, 1)
    sales = {}
    seller = threading.Thread(
        target=lambda: sales.update(result=load.run(app, booking, half, seconds=opts.seconds))
    )
    seller.start()
    searched = load.run(app, lambda i: raws[i % len(raws)], half, seconds=opts.seconds)
    seller.join()
    expect(searched, {200}, "GET /events?q= (during sales)", problems)
    expect(sales["result"], {201}, f"POST /events/{event_id}/bookings (during searches)", problems)
    return {
        f"search repeated during bookings, {half} + {half} conns: p50 / p99 ms": ms(searched),
        "search / bookings during that run: req/s": (
            f"{searched.rate:.0f} / {sales['result'].rate:.0f}"
        ),
    }


def bookings(app, url, opts, problems):
    """Concurrent bookings of one ticket each on one hot event, 25% more than its stock, in
    `rounds` rounds (a new event each), interleaved with the same load on the bare driver
    endpoint (bench/bare_booking.py), so that both rates see the machine at the same moments,
    and on the app with its email sender on (see mail_round)."""
    labels = (
        f"bookings, {opts.connections} conns on one event: req/s",
        "bookings: p50 / p99 ms",
        "bookings: sold / stock per round (no oversell)",
    )
    mail_labels = (
        f"bookings, sender on, SMTP answering after {SLOW_SMTP_MS} ms: req/s",
        "bookings, sender on: p50 / p99 ms",
        "**sender on ÷ sender off** (target ≥ 0.85)",
        "sender on: emails sent during its rounds / sold / stock per round",
    )
    probe_event = seed.add_hot_event(url, 1)
    status, body = load.fetch(app, booking_request(probe_event, "probe"))
    if status in (404, 405):
        return dict.fromkeys(labels + mail_labels, "n/a (route not built)")
    if status != 201:
        problems.append(f"POST /events/{probe_event}/bookings: {status} {body[:200]!r}")
        return dict.fromkeys(labels + mail_labels, f"failed ({status})")
    database = bare_database(url)
    total = opts.stock + opts.stock // 4
    app_results, bare_results, mail_results, verdicts, mail_verdicts = [], [], [], [], []
    with (
        gunicorn(
            "bench.bare_booking:app", {"BENCH_BARE_DB": database}, opts.workers, "/health", "bare"
        ) as bare,
        slow_smtp_server() as smtp_port,
    ):
        for _ in range(opts.rounds):
            event_id = seed.add_hot_event(url, opts.stock)
            result = load.run(app, hot_event_bookings(event_id), opts.connections, total=total)
            app_results.append(result)
            verdicts.append(check_sold(url, event_id, result, opts.stock, problems))
            bare_booking.create_tables(database, opts.stock)
            bare_results.append(
                load.run(bare, hot_event_bookings(1), opts.connections, total=total)
            )
            check_bare(bare_results[-1], opts.stock, problems)
            result, verdict = mail_round(url, smtp_port, opts, total, problems)
            mail_results.append(result)
            mail_verdicts.append(verdict)
    app_result, bare_result = load.merged(app_results), load.merged(bare_results)
    mail_result = load.merged(mail_results)
    values = (f"{app_result.rate:.0f}", ms(app_result), ", ".join(verdicts))
    mail_values = (
        f"{mail_result.rate:.0f}",
        ms(mail_result),
        f"**{mail_result.rate / app_result.rate:.2f}**",
        ", ".join(mail_verdicts),
    )
    return (
        dict(zip(labels, values, strict=True))
        | dict(zip(mail_labels, mail_values, strict=True))
        | {
            "bare driver endpoint (1 UPDATE + 1 INSERT), same load: req/s": (
                f"{bare_result.rate:.0f}"
            ),
            "**booking ratio** app ÷ bare (800/s ÷ the issue's 1 500–1 900 = 0.42–0.53)": (
                f"**{app_result.rate / bare_result.rate:.2f}**"
            ),
        }
    )


SLOW_SMTP_MS = 50


@contextmanager
def slow_smtp_server():
    """bench/slow_smtp.py in a process of its own (its event loop off the load generator's
    CPU); its port."""
    port = free_port()
    command = [sys.executable, "-m", "bench.slow_smtp", str(port), str(SLOW_SMTP_MS / 1000)]
    with open(DATA / "slow-smtp.log", "w") as log:
        server = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    try:
        for _ in range(300):
            if server.poll() is not None:
                raise RuntimeError("the slow SMTP server exited; see bench/.data/slow-smtp.log")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
                    if sock.recv(3) == b"220":
                        break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError("the slow SMTP server did not answer within 30 s")
        yield port
    finally:
        server.terminate()
        server.wait(timeout=30)


def mail_round(url, smtp_port, opts, total, problems):
    """One booking round on the app with its email sender on, against an SMTP server that
    answers every command after SLOW_SMTP_MS: every worker's sender claims, sends and records
    mail throughout (the outbox of earlier runs is its backlog). The server is started for the
    round and stopped after it, so that its sender works during no other measurement; 1 s of
    bookings on another event warms it up first."""
    env = APP_ENV | {
        "DATABASE_URL": url,
        "MAIL_BACKGROUND_SENDER": "true",
        "MAIL_SENDER_INTERVAL": "1",
        "SMTP_SERVER": "127.0.0.1",
        "SMTP_PORT": str(smtp_port),
        "SMTP_USE_TLS": "false",
    }
    with gunicorn("main:app", env, opts.workers, "/health", "app-mail") as mail_app:
        warm_up = seed.add_hot_event(url, 10**6)
        load.run(mail_app, hot_event_bookings(warm_up), opts.connections, seconds=1)
        event_id = seed.add_hot_event(url, opts.stock)
        sent_before = seed.emails_sent(url)
        result = load.run(mail_app, hot_event_bookings(event_id), opts.connections, total=total)
        sent = seed.emails_sent(url) - sent_before
        if not sent and not sender_works(url, sent_before):
            problems.append("the email sender sent nothing within 30 s of a booking round")
    verdict = check_sold(url, event_id, result, opts.stock, problems)
    return result, f"{sent} / {verdict}"


def sender_works(url, sent_before):
    """Whether some mail is sent within 30 s (a short round may end before the first is)."""
    for _ in range(300):
        if seed.emails_sent(url) > sent_before:
            return True
        time.sleep(0.1)
    return False


def hot_event_bookings(event_id):
    """make_request for load.run: booking i is one ticket for a new buyer."""
    return lambda i: booking_request(event_id, f"buyer{i}")


def bare_database(url):
    """Where the bare endpoint books: a file beside the bench database, or the same server."""
    if make_url(url).get_backend_name() == "sqlite":
        return str(DATA / "bare-booking.db")
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def check_sold(url, event_id, result, stock, problems):
    """The invariant after a round: exactly the stock sold, one booking and ticket per 201."""
    expect(result, {201, 409}, f"POST /events/{event_id}/bookings", problems)
    counts = seed.sold_counts(url, event_id)
    if set(counts) != {result.statuses[201]} or counts[0] != stock:
        problems.append(f"event {event_id}: sold/booked/tickets {counts}, {result.statuses}")
    return f"{counts[0]} / {stock} {'ok' if counts[0] <= stock else 'OVERSOLD'}"


def check_bare(result, stock, problems):
    expect(result, {201, 409}, "bare booking endpoint", problems)
    if result.statuses[201] != stock:
        problems.append(f"bare booking endpoint sold {result.statuses[201]} of {stock}")


def bench_database(name, url, opts, problems):
    started = time.perf_counter()
    seeded = seed.ensure_seeded(url, opts.events)
    note = f"seeded {opts.events} events" if seeded else "reused the seeded database"
    print(f"== {name}: {note} in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    env = APP_ENV | {"DATABASE_URL": url}
    with gunicorn("main:app", env, opts.workers, "/health", f"app-{name}") as app:
        status, page = load.fetch(app, load.http_request("GET", LIST_PATH))
        if status != 200:
            raise RuntimeError(f"GET {LIST_PATH}: {status}")
        (DATA / "page.json").write_bytes(page)
        bare_env = {"BENCH_BARE_PAGE": str(DATA / "page.json")}
        with gunicorn("bench.bare_app:app", bare_env, opts.workers, LIST_PATH, "bare") as bare:
            rows = list_ratio(app, bare, opts, problems)
        rows |= search(app, opts, problems)
        rows |= search_during_sales(app, url, opts, problems)
        rows |= bookings(app, url, opts, problems)
    print(f"== {name}: done in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return rows


# ------------------------------------------------------------------------------------- report


def machine(load):
    lines = Path("/proc/cpuinfo").read_text().splitlines()
    models = [line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")]
    cpu = models[0] if models else platform.processor()
    # The load average before the runs (other work on the machine skews every number): read
    # after them, it would mostly count the benchmark's own processes.
    return f"{os.cpu_count()} cores, {cpu}, Python {platform.python_version()}, load {load:.1f}"


def print_table(opts, columns):
    print(
        f"\n{time.strftime('%Y-%m-%d')}, {machine(opts.load)}; {opts.events} events, gunicorn -w "
        f"{opts.workers} sync, {opts.seconds:g} s per run, {opts.rounds} rounds; list req/s by "
        f"{'wrk' if load.WRK else 'the Python client'}, latencies by the Python client\n"
    )
    names = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
    print("| measurement | " + " | ".join(names.get(name, name) for name in columns) + " |")
    print("|---" * (len(columns) + 1) + "|")
    labels = next((list(rows) for rows in columns.values() if rows), [])
    for label in labels:
        cells = [rows.get(label, "") if rows else "skipped" for rows in columns.values()]
        print(f"| {label} | " + " | ".join(cells) + " |")


def database_url(name, opts):
    if name == "sqlite":
        return f"sqlite:///{DATA / f'bench-{opts.events}.db'}"
    if name == "postgresql":
        return opts.pg_url
    raise SystemExit(f"unknown database {name!r}: sqlite or postgresql")


def main():
    opts = options()
    opts.load = os.getloadavg()[0]
    DATA.mkdir(exist_ok=True)
    problems, columns = [], {}
    for name in opts.databases.split(","):
        url = database_url(name, opts)
        if name == "postgresql" and not postgres_reachable(url):
            print("== postgresql: not reachable, skipped", file=sys.stderr)
            columns[name] = None
            continue
        columns[name] = bench_database(name, url, opts, problems)
    print_table(opts, columns)
    for problem in problems:
        print(f"BENCHMARK BROKEN: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
