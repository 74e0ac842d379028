"""Fixtures of the outbox tests: an SMTP port the test switches between states, the app pointed
at it, and sender processes ended at teardown."""

import pytest

from tests.mail.mailservers import Processes, SmtpPort


@pytest.fixture()
def smtp_port():
    port = SmtpPort()
    yield port
    port.down()


@pytest.fixture()
def smtp_app(app, monkeypatch, smtp_port):
    """The suite's app, sending to smtp_port (whatever state the test puts it in)."""
    monkeypatch.setitem(app.config, "SMTP_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "SMTP_PORT", smtp_port.port)
    monkeypatch.setitem(app.config, "SMTP_USE_TLS", False)
    monkeypatch.setitem(app.config, "SMTP_TIMEOUT", 2)
    return app


@pytest.fixture()
def processes(db, tmp_path):
    """Sender processes (flask send-mail, gunicorn); ended before the database is emptied."""
    started = Processes(tmp_path)
    yield started
    started.stop_all()
