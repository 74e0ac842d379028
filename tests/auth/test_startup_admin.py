"""The ADMIN_EMAIL account is ensured by every worker at start-up: two at once must both boot."""

import threading

import pytest
from sqlalchemy import func, select

from app.auth import service
from app.auth.models import User
from app.extensions import db as _db


def test_two_workers_ensuring_the_admin_at_the_same_moment_both_succeed(app, db, monkeypatch):
    """Both look, find nothing, and insert: the second must find the first's account, not fail
    (an exception here is a worker that fails to boot, and gunicorn then exits)."""
    if db.engine.dialect.name == "sqlite":
        pytest.skip("SQLite serializes the two writers; PostgreSQL lets them race")
    monkeypatch.setitem(app.config, "ADMIN_EMAIL", "root@tapestry.tn")
    monkeypatch.setitem(app.config, "ADMIN_PASSWORD", "root-password-123")
    both_looked = threading.Barrier(2, timeout=10)
    real_find = service.find_user_by_email
    waited = threading.local()

    def find_then_wait(email):
        found = real_find(email)
        if not getattr(waited, "done", False):
            waited.done = True
            both_looked.wait()  # neither inserts before both have seen no admin
        return found

    monkeypatch.setattr(service, "find_user_by_email", find_then_wait)
    results, errors = [], []

    def worker_start():
        with app.app_context():
            try:
                results.append(service.ensure_configured_admin().email)
            except Exception as exc:  # noqa: BLE001  (the test reports what a worker would die of)
                errors.append(exc)
            finally:
                _db.session.remove()

    threads = [threading.Thread(target=worker_start) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == [] and results == ["root@tapestry.tn"] * 2
    db.session.rollback()
    assert db.session.scalar(select(func.count()).where(User.role == "admin")) == 1
