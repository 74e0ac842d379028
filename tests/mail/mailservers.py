"""Real SMTP servers in every state the outbox meets, and real sender processes.

- MailHandler: an aiosmtpd handler that keeps every message, answers each command after
  `delay` seconds (a slow server), refuses chosen recipients with a chosen reply (5xx, 4xx), and
  holds the DATA of chosen recipients until the test lets it go (a sender caught mid-send).
- SmtpPort: one port that goes through the states a test asks for: down (nothing listens), up
  (aiosmtpd with a MailHandler), hanging (connections accepted by the kernel, never answered).
- sender processes: `flask send-mail` and gunicorn, started with the development config pointed
  at the suite's database and the port, as an operator would start them.
"""

import asyncio
import email
import email.policy
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

from aiosmtpd.controller import Controller
from sqlalchemy import select, update

from app.common.models import utcnow
from app.common.sqlite import write_intent
from app.email import OutboxEmail
from tests.conftest import BASE_DIR, free_port, suite_database_url

CHEAP_HASHES = {"ARGON2_TIME_COST": "1", "ARGON2_MEMORY_COST": "1024", "ARGON2_PARALLELISM": "1"}


def wait_for(predicate, timeout, what, pause=0.05):
    """Polls predicate() until it is true, at most `timeout` seconds; fails the test otherwise."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(pause)
    raise AssertionError(f"not within {timeout} s: {what}")


class Hold:
    """The DATA of one recipient, held: `holding` is set once the whole message has arrived and
    the sender waits for the reply; the reply goes when the test sets `release` (or after 60 s)."""

    def __init__(self):
        self.holding = threading.Event()
        self.release = threading.Event()


class MailHandler:
    def __init__(self, delay=0.0, refuse=None):
        self.delay = delay
        self.refuse = dict(refuse or {})  # recipient -> the reply to its RCPT
        self.messages = []
        self.holds = {}  # recipient -> Hold
        self.commands = Counter()

    def hold(self, recipient):
        self.holds[recipient] = Hold()
        return self.holds[recipient]

    async def _command(self, name):
        self.commands[name] += 1
        if self.delay:
            await asyncio.sleep(self.delay)

    async def handle_EHLO(self, server, session, envelope, hostname, responses):  # noqa: N802
        await self._command("EHLO")
        session.host_name = hostname
        return responses

    async def handle_MAIL(self, server, session, envelope, address, mail_options):  # noqa: N802
        await self._command("MAIL")
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        await self._command("RCPT")
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        await self._command("DATA")
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        message.rcpt_tos = list(envelope.rcpt_tos)  # the envelope: who really receives it
        # Kept on arrival: the server has the whole message, whatever becomes of the reply (a
        # sender killed while it waits for it sends the message again: one repeat).
        self.messages.append(message)
        hold = self.holds.get(message["To"])
        if hold is not None and not hold.release.is_set():
            # Polled, not blocked: the server's other connections share this event loop.
            hold.holding.set()
            deadline = time.monotonic() + 60
            while not hold.release.is_set() and time.monotonic() < deadline:
                await asyncio.sleep(0.02)
        return "250 OK"

    async def handle_RSET(self, server, session, envelope):  # noqa: N802
        await self._command("RSET")
        return "250 OK"

    async def handle_QUIT(self, server, session, envelope):  # noqa: N802
        await self._command("QUIT")
        return "221 Bye"

    def to(self, address):
        return [m for m in self.messages if m["To"] == address]

    def message_ids(self):
        return Counter(m["Message-ID"] for m in self.messages)


class SmtpPort:
    """A fixed port whose server the test switches: down(), up(handler), hanging()."""

    def __init__(self):
        self.port = free_port()
        self.controller = None
        self.listener = None

    def up(self, handler):
        self.down()
        self.controller = Controller(handler, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return handler

    def hanging(self):
        """Connections complete (the kernel accepts them into the backlog), and nothing is ever
        said: the client waits for the greeting until its timeout."""
        self.down()
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self.listener = listener

    def down(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None
        if self.listener is not None:
            self.listener.close()
            self.listener = None


def sender_env(smtp_port, **extra):
    """The environment of a sender process: the development config (it reads SMTP_* from the
    environment; the testing config has no SMTP server), the suite's database."""
    env = {**os.environ, "APP_ENV": "development", "DATABASE_URL": suite_database_url()}
    env |= CHEAP_HASHES | {"FLASK_APP": "main.py", "RATELIMIT_ENABLED": "false"}
    env |= {"SMTP_SERVER": "127.0.0.1", "SMTP_PORT": str(smtp_port), "SMTP_USE_TLS": "false"}
    env |= {"SMTP_TIMEOUT": "3", "MAIL_LEASE_SECONDS": "2", "MAIL_SENDER_INTERVAL": "0.2"}
    env.update({key: str(value) for key, value in extra.items()})
    return env


class Processes:
    """Processes a test started; each is ended at teardown (only those, by their pid)."""

    def __init__(self, log_dir):
        self.started = []
        self.log_dir = Path(log_dir)

    def start(self, command, env, name):
        log = open(self.log_dir / f"{name}.log", "w")  # noqa: SIM115  (closed at teardown)
        process = subprocess.Popen(
            command, cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT
        )
        self.started.append((process, log))
        return process

    def send_mail(self, env, *args, name="send-mail"):
        command = [sys.executable, "-m", "flask", "send-mail", "--interval", "0.2", *args]
        return self.start(command, env, name)

    def gunicorn(self, env, workers=2, name="gunicorn", options=()):
        """gunicorn with the project's gunicorn.conf.py (read from BASE_DIR, as in production);
        the test makes no request unless it says so."""
        port = free_port()
        command = [sys.executable, "-m", "gunicorn", "-w", str(workers), *options]
        command += ["-b", f"127.0.0.1:{port}", "--log-level", "warning", "main:app"]
        process = self.start(command, {**env, "GUNICORN_LOG_LEVEL": "warning"}, name)
        process.url = f"http://127.0.0.1:{port}"
        return process

    def log(self, name):
        return (self.log_dir / f"{name}.log").read_text()

    def stop_all(self):
        for process, log in reversed(self.started):
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=10)
            log.close()


def children_of(pid):
    """The pids whose parent is `pid` (a gunicorn master's workers)."""
    children = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue  # gone meanwhile
            if int(fields[1]) == pid:
                children.append(int(entry.name))
    return children


def kill_worker(master, pid):
    """SIGKILL one worker of a gunicorn master this test started (and only such a process)."""
    assert pid in children_of(master.pid), f"{pid} is not a worker of {master.pid}"
    os.kill(pid, signal.SIGKILL)


def outbox_rows(db):
    db.session.rollback()  # a fresh snapshot: what the senders committed
    return db.session.scalars(select(OutboxEmail).order_by(OutboxEmail.id)).all()


def make_due_now(db):
    """Time travel for retries: every pending message is due now (instead of in 10 s, 20 s ...)."""
    token = write_intent.set(True)
    try:
        db.session.rollback()
        db.session.execute(
            update(OutboxEmail)
            .where(OutboxEmail.status == "pending")
            .values(next_attempt_at=utcnow())
        )
        db.session.commit()
    finally:
        write_intent.reset(token)
