"""flask create-admin, seed-demo, make-cert and purge-idempotency-keys."""

from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from app.auth.models import User
from app.auth.passwords import verify_password
from app.events.models import Event
from app.tickets.models import Allocation, IdempotencyRecord


def test_create_admin_with_options_makes_a_verified_admin(runner, db):
    result = runner.invoke(
        args=["create-admin", "--email", "Boss@Tapestry.TN", "--password", "long-enough-pw"]
    )
    assert result.exit_code == 0, result.output
    admin = db.session.scalar(select(User).where(User.email == "boss@tapestry.tn"))
    assert admin.role == "admin" and admin.email_verified and admin.is_active
    assert admin.password_hash.startswith("$argon2id$")
    assert verify_password(admin.password_hash, "long-enough-pw")


def test_create_admin_asks_for_the_password_when_not_given(runner, db):
    result = runner.invoke(
        args=["create-admin", "--email", "ask@tapestry.tn"], input="prompted-pw\nprompted-pw\n"
    )
    assert result.exit_code == 0, result.output
    admin = db.session.scalar(select(User).where(User.email == "ask@tapestry.tn"))
    assert verify_password(admin.password_hash, "prompted-pw")


def test_create_admin_refuses_a_taken_email_and_a_short_password(runner, make_user, db):
    make_user("organizer", email="taken@tapestry.tn")
    taken = runner.invoke(
        args=["create-admin", "--email", "TAKEN@tapestry.tn", "--password", "x" * 8]
    )
    assert taken.exit_code != 0 and "already exists" in taken.output
    short = runner.invoke(
        args=["create-admin", "--email", "new@tapestry.tn", "--password", "short"]
    )
    assert short.exit_code != 0
    assert db.session.scalar(select(func.count()).select_from(User)) == 1


def test_seed_demo_loads_a_varied_catalogue_once(runner, db):
    first = runner.invoke(args=["seed-demo", "--password", "demo-password"])
    assert first.exit_code == 0, first.output
    events = db.session.scalars(select(Event)).all()
    assert len(events) >= 30
    assert len({e.category for e in events}) >= 5
    assert len({e.location.rsplit(",", 1)[-1].strip() for e in events}) >= 10
    assert len({e.starts_at.date() for e in events}) >= 20
    allocation = db.session.scalar(select(Allocation))
    assert allocation.reseller.role == "reseller" and allocation.quantity > 0
    assert allocation.event.allocated == allocation.quantity

    again = runner.invoke(args=["seed-demo"])
    assert again.exit_code == 0
    assert db.session.scalar(select(func.count()).select_from(Event)) == len(events)
    assert db.session.scalar(select(func.count()).select_from(Allocation)) == 1
    assert db.session.scalar(select(func.count()).select_from(User)) == 2


def test_seed_demo_if_empty_leaves_an_existing_catalogue_alone(runner, make_event, db):
    make_event()
    result = runner.invoke(args=["seed-demo", "--if-empty"])
    assert result.exit_code == 0
    assert db.session.scalar(select(func.count()).select_from(Event)) == 1


def test_make_cert_writes_a_usable_certificate_once(runner, tmp_path):
    import ssl

    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    first = runner.invoke(args=["make-cert", "--cert", str(cert), "--key", str(key)])
    assert first.exit_code == 0, first.output
    ssl.create_default_context(ssl.Purpose.CLIENT_AUTH).load_cert_chain(cert, key)
    before = cert.read_bytes()
    again = runner.invoke(args=["make-cert", "--cert", str(cert), "--key", str(key)])
    assert again.exit_code == 0 and cert.read_bytes() == before


def test_purge_idempotency_keys_deletes_only_expired_records(runner, db):
    now = datetime.now(timezone.utc)
    for key, expires in (("old", now - timedelta(minutes=1)), ("fresh", now + timedelta(hours=1))):
        db.session.add(
            IdempotencyRecord(scope="POST /x", key=key, request_hash="h", expires_at=expires)
        )
    db.session.commit()
    result = runner.invoke(args=["purge-idempotency-keys"])
    assert result.exit_code == 0, result.output
    assert "1 expired Idempotency-Key record(s) deleted." in result.output
    db.session.rollback()
    assert db.session.scalars(select(IdempotencyRecord.key)).all() == ["fresh"]
