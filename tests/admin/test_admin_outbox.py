"""The outbox for admins: messages by status, and the requeue of failed ones (the route and
`flask send-mail --retry-failed`), audited, after which the mail really goes out."""

import pytest
from sqlalchemy import select

import app.email
from app.audit import AuditEntry
from app.email import OutboxEmail, queue_email


@pytest.fixture()
def admin(make_user):
    return make_user("admin")


@pytest.fixture()
def as_admin(admin, auth_headers):
    return auth_headers(admin)


def queue(db, statuses):
    """One message per status; a failed one has the traces of its tries."""
    for n, status in enumerate(statuses):
        queue_email(f"{status}{n}@example.tn", f"Hello {n}", "Body")
    db.session.commit()
    rows = db.session.scalars(select(OutboxEmail).order_by(OutboxEmail.id)).all()
    for row, status in zip(rows, statuses, strict=True):
        row.status = status
        if status == "failed":
            row.attempts, row.last_error = 8, "refused: SMTPRecipientsRefused: 550 No such user"
    db.session.commit()
    return [row.id for row in rows]


@pytest.mark.parametrize("role", ["organizer", "reseller"])
def test_only_admins_see_or_requeue_the_outbox(client, db, make_user, auth_headers, role):
    [failed] = queue(db, ["failed"])
    headers = auth_headers(make_user(role))
    assert client.get("/admin/outbox", headers=headers).status_code == 403
    assert client.post(f"/admin/outbox/{failed}/retry", headers=headers).status_code == 403
    assert client.get("/admin/outbox").status_code == 401
    assert db.session.get(OutboxEmail, failed).status == "failed"


def test_the_list_filters_by_status_and_pages_newest_first(client, db, as_admin, spec_schema):
    ids = queue(db, ["pending", "sent", "failed", "failed", "sending", "failed"])
    failed = client.get("/admin/outbox?status=failed&per_page=2", headers=as_admin).get_json()
    spec_schema(failed, "OutboxPage")
    assert (failed["total"], failed["pages"]) == (3, 2)
    assert [m["id"] for m in failed["messages"]] == [ids[5], ids[3]]
    assert failed["messages"][0]["last_error"].startswith("refused:")
    assert failed["messages"][0]["message_id"].startswith("<")
    assert "body_text" not in failed["messages"][0]
    everything = client.get("/admin/outbox", headers=as_admin).get_json()
    assert [m["id"] for m in everything["messages"]] == ids[::-1]
    answer = client.get("/admin/outbox?status=lost", headers=as_admin)
    assert (answer.status_code, answer.get_json()["code"]) == (400, "validation_error")


def test_a_failed_message_is_requeued_audited_and_then_sent(
    client, db, admin, as_admin, smtp_server, deliver_mail, spec_schema
):
    [sent, failed] = queue(db, ["sent", "failed"])
    message_id = db.session.get(OutboxEmail, failed).message_id
    answer = client.post(f"/admin/outbox/{failed}/retry", headers=as_admin)
    assert answer.status_code == 200
    body = answer.get_json()
    spec_schema(body, "OutboxMessage")
    assert (body["status"], body["attempts"], body["failing_since"]) == ("pending", 0, None)
    [entry] = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "email_requeued"))
    assert (entry.actor_id, entry.target_type, entry.target_id) == (admin.id, "email", failed)
    assert entry.details["attempts"] == 8 and entry.details["recipient"] == "failed1@example.tn"
    audit = client.get("/admin/audit?target_type=email", headers=as_admin).get_json()
    assert [e["target_id"] for e in audit["entries"]] == [failed]

    assert deliver_mail() == (1, 0)
    [mail] = smtp_server.messages
    assert (mail["To"], mail["Message-ID"]) == ("failed1@example.tn", message_id)

    again = client.post(f"/admin/outbox/{failed}/retry", headers=as_admin)
    assert (again.status_code, again.get_json()["code"]) == (409, "not_failed")
    assert client.post(f"/admin/outbox/{sent}/retry", headers=as_admin).status_code == 409
    assert client.post("/admin/outbox/999999/retry", headers=as_admin).status_code == 404
    assert len(smtp_server.messages) == 1, "a sent message is never sent again this way"


def test_send_mail_retry_failed_requeues_every_failed_message_and_sends_it(
    runner, db, smtp_server, monkeypatch
):
    monkeypatch.setattr(app.email, "REQUEUE_CHUNK", 1)  # one statement per id: chunks add up
    ids = queue(db, ["failed", "sent", "failed"])
    result = runner.invoke(args=["send-mail", "--retry-failed", "--once"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == ["2 failed message(s) requeued.", "2 sent, 0 failed"]
    assert sorted(m["To"] for m in smtp_server.messages) == [
        "failed0@example.tn",
        "failed2@example.tn",
    ]
    db.session.rollback()
    audited = db.session.scalars(
        select(AuditEntry.target_id).where(AuditEntry.action == "email_requeued")
    ).all()
    assert sorted(audited) == [ids[0], ids[2]]
    assert {row.status for row in db.session.scalars(select(OutboxEmail))} == {"sent"}


def test_requeueing_one_message_leaves_another_failed_message_failed(client, db, as_admin):
    [target, other] = queue(db, ["failed", "failed"])
    assert client.post(f"/admin/outbox/{target}/retry", headers=as_admin).status_code == 200
    db.session.expire_all()
    bystander = db.session.get(OutboxEmail, other)
    assert (bystander.status, bystander.attempts) == ("failed", 8)
    assert db.session.get(OutboxEmail, target).status == "pending"
