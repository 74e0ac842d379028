"""Real sender processes (gunicorn workers, `flask send-mail`) against a real SMTP server that goes
down, slows, hangs and comes back, and senders SIGKILLed while they hold a message.

Every loop is bounded (wait_for). Messages are counted by Message-ID at the SMTP server: a message
is received once, except the one a sender was transmitting when it was killed (at most once more,
and with the same Message-ID).
"""

import time

import requests

from app.email import queue_email
from tests.conftest import wait_until_healthy
from tests.mail.mailservers import (
    MailHandler,
    children_of,
    kill_worker,
    make_due_now,
    outbox_rows,
    sender_env,
    wait_for,
)


def queue(db, recipients):
    for recipient in recipients:
        queue_email(recipient, f"Hello {recipient}", "Body")
    db.session.commit()


def all_sent(db):
    return {row.status for row in outbox_rows(db)} == {"sent"}


def message_ids_by_recipient(db):
    return {row.recipient: row.message_id for row in outbox_rows(db)}


def holder_of(db, recipient):
    [row] = [row for row in outbox_rows(db) if row.recipient == recipient]
    assert row.status == "sending"
    return row.claimed_by


def test_a_killed_worker_gives_its_message_back_and_mail_needs_no_request(db, smtp_port, processes):
    server = smtp_port.up(MailHandler())
    in_flight = server.hold("guest4@example.tn")
    recipients = [f"guest{n}@example.tn" for n in range(12)]
    queue(db, recipients)  # queued before gunicorn starts; no request is ever made to it

    master = processes.gunicorn(sender_env(smtp_port.port), workers=2)
    wait_for(in_flight.holding.is_set, 30, "a worker's sender reaching guest4's DATA")
    worker_pid = int(holder_of(db, "guest4@example.tn").split("-")[0])
    kill_worker(master, worker_pid)
    in_flight.release.set()  # the dead worker's copy reaches the server; its reply goes nowhere

    # gunicorn replaces the worker; the message comes back once its 2 s lease runs out.
    wait_for(lambda: all_sent(db) and len(server.messages) >= 13, 60, "every message sent")
    ids = message_ids_by_recipient(db)
    received = server.message_ids()
    assert set(received) == set(ids.values())
    assert received[ids["guest4@example.tn"]] == 2, "the message in flight, repeated once"
    assert all(received[ids[r]] == 1 for r in recipients if r != "guest4@example.tn")


def test_a_worker_recycled_by_max_requests_leaves_no_message_behind(db, smtp_port, processes):
    server = smtp_port.up(MailHandler())
    in_flight = server.hold("guest2@example.tn")
    recipients = [f"guest{n}@example.tn" for n in range(6)]
    queue(db, recipients)
    master = processes.gunicorn(
        sender_env(smtp_port.port),
        workers=1,
        options=["--max-requests", "3", "--max-requests-jitter", "0"],
    )
    wait_until_healthy(master.url, master)  # its first request
    wait_for(in_flight.holding.is_set, 30, "the worker's sender reaching guest2's DATA")
    [worker] = children_of(master.pid)
    for _ in range(2):  # its third request is its last: gunicorn replaces it
        requests.get(f"{master.url}/health", timeout=30)
    wait_for(lambda: worker not in children_of(master.pid), 30, "the worker recycled")
    in_flight.release.set()

    wait_for(lambda: all_sent(db), 60, "every message sent by the new worker")
    ids = message_ids_by_recipient(db)
    received = server.message_ids()
    assert received[ids["guest2@example.tn"]] <= 2, "the message in flight, repeated once at most"
    assert all(received[ids[r]] == 1 for r in recipients if r != "guest2@example.tn")


def test_a_killed_send_mail_gives_its_claim_back_and_a_slow_live_one_keeps_its_own(
    db, smtp_port, processes
):
    server = smtp_port.up(MailHandler())
    killed_in_flight = server.hold("guest3@example.tn")
    slow = server.hold("guest7@example.tn")
    recipients = [f"guest{n}@example.tn" for n in range(10)]
    queue(db, recipients)
    # A lease of 1 s; a reply may take up to 10 s (guest7's takes 4).
    env = sender_env(smtp_port.port, MAIL_LEASE_SECONDS=1, SMTP_TIMEOUT=10)

    first = processes.send_mail(env, name="first")
    wait_for(killed_in_flight.holding.is_set, 30, "the first sender reaching guest3's DATA")
    holder_of(db, "guest3@example.tn")  # claimed: "sending"
    first.kill()  # SIGKILL: our own child process
    first.wait(timeout=10)
    killed_in_flight.release.set()

    processes.send_mail(env, name="second")
    processes.send_mail(env, name="third")
    wait_for(slow.holding.is_set, 30, "a live sender reaching guest7's DATA")
    slow_holder = holder_of(db, "guest7@example.tn")
    others = [r for r in recipients if r != "guest7@example.tn"]
    wait_for(lambda: all(server.to(r) for r in others), 60, "every other message, guest3 too")
    time.sleep(4)  # four leases: a lease not renewed would have run out by now
    assert holder_of(db, "guest7@example.tn") == slow_holder, "nobody took it from a live sender"
    slow.release.set()

    wait_for(lambda: all_sent(db), 30, "every message sent")
    ids = message_ids_by_recipient(db)
    received = server.message_ids()
    assert received[ids["guest3@example.tn"]] == 2, "the killed sender's message, repeated once"
    assert all(received[ids[r]] == 1 for r in recipients if r != "guest3@example.tn")


def test_the_cli_fails_a_refused_message_after_max_attempts_and_sends_the_rest(
    db, smtp_port, processes
):
    server = smtp_port.up(MailHandler(refuse={"nobody@example.tn": "550 5.1.1 No such user"}))
    queue(db, ["one@example.tn", "nobody@example.tn", "two@example.tn"])
    env = sender_env(smtp_port.port, MAIL_MAX_ATTEMPTS=2)
    for run in range(2):
        once = processes.send_mail(env, "--once", name=f"once-{run}")
        assert once.wait(timeout=60) == 0
        make_due_now(db)
    assert processes.log("once-0").strip().endswith("2 sent, 1 failed")
    rows = {row.recipient: row for row in outbox_rows(db)}
    assert (rows["nobody@example.tn"].status, rows["nobody@example.tn"].attempts) == ("failed", 2)
    assert len(server.to("one@example.tn")) == len(server.to("two@example.tn")) == 1


def booking_reference(subject):
    return subject.rsplit("(booking ", 1)[1].rstrip(")")


def test_bookings_and_their_mail_through_smtp_down_slow_hanging_then_back(
    db, smtp_port, processes, make_event
):
    event = make_event(number_of_tickets=100)
    # A booking that waited for a sender's lock would fail after 2 s instead of waiting.
    env = sender_env(smtp_port.port, SQLITE_BUSY_TIMEOUT_MS=2000, SMTP_TIMEOUT=3)
    gunicorn = processes.gunicorn(env, workers=2)
    wait_until_healthy(gunicorn.url, gunicorn)
    references = []

    def book(n):
        body = {"quantity": 1, "buyer": {"name": "Hedi", "email": f"buyer{n}@example.tn"}}
        answer = requests.post(f"{gunicorn.url}/events/{event.id}/bookings", json=body, timeout=30)
        assert answer.status_code == 201, answer.text
        references.append(answer.json()["reference"])

    def tried(count):
        return lambda: all(row.attempts >= 1 for row in outbox_rows(db)[-count:])

    # Down: nothing listens. Each message is tried and waits for its retry.
    for n in range(3):
        book(n)
    wait_for(tried(3), 20, "each message tried while the server is down")

    # Slow: 50 ms before every answer.
    slow = smtp_port.up(MailHandler(delay=0.05))
    for n in range(3, 6):
        book(n)
    wait_for(lambda: make_due_now(db) or len(slow.messages) == 6, 30, "six messages, slowly")

    # Hanging: connections are accepted and never answered; bookings go on meanwhile.
    smtp_port.hanging()
    book(6)
    wait_for(lambda: outbox_rows(db)[-1].status == "sending", 20, "a sender stuck on the server")
    book(7)
    book(8)
    wait_for(tried(3), 30, "each message tried against the hanging server")

    # Back.
    back = smtp_port.up(MailHandler())
    wait_for(lambda: make_due_now(db) or all_sent(db), 60, "every message sent")
    received = slow.messages + back.messages
    assert sorted(booking_reference(m["Subject"]) for m in received) == sorted(references)
    stored = {row.message_id for row in outbox_rows(db)}
    assert {m["Message-ID"] for m in received} == stored
