"""Idempotency-Key: a retried booking request replays the stored response, never books twice.

The first request with a key inserts its record (response still empty) and commits at once: the
unique (scope, key) constraint then decides, across processes, which request does the work. The
winner's service stores the response in the same transaction as the booking, so a booking never
exists without its replayable response. A request that fails releases the key (nothing was
booked, so a retry may try again). Others with the same key wait for the outcome.
"""

import hashlib
import json
import logging
import random
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from functools import wraps

from flask import jsonify, request
from flask_jwt_extended import current_user
from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from app.common.models import utcnow
from app.common.rawsql import RawStatement
from app.common.sqlite import write_intent
from app.errors import BadRequest, Conflict
from app.extensions import db
from app.tickets.models import IdempotencyRecord

log = logging.getLogger(__name__)

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
RECORD_TTL = timedelta(hours=24)
# How long a retry waits for the first request with its key to finish, polling every POLL_SECONDS.
WAIT_SECONDS = 10.0
POLL_SECONDS = 0.05
# An unfinished record this old belongs to a request that died (process killed): it is replaced.
ABANDONED_AFTER = timedelta(minutes=2)
# Expired records of other keys are purged by about one claim in a hundred (a cheap indexed delete).
PURGE_CHANCE = 0.01


class KeyReused(Conflict):
    code = "idempotency_key_reused"
    message = "This Idempotency-Key was used with a different request."


class KeyInProgress(Conflict):
    code = "idempotency_in_progress"
    message = "A request with this Idempotency-Key is still being processed; retry shortly."


records = IdempotencyRecord.__table__
# Sent with the booking's commit, in its pipeline on PostgreSQL (app/common/rawsql.py).
COMPLETE = RawStatement(
    update(records)
    .where(records.c.id == bindparam("record_id"))
    .values(status_code=bindparam("new_status"), response_body=bindparam("new_body"))
)


@dataclass(frozen=True)
class Claim:
    """The right to process a keyed request; complete() stores its response."""

    record_id: int

    def complete(self, status_code, body):
        """Stores the response in the caller's transaction (commit it with the booking)."""
        values = {
            "record_id": self.record_id,
            "new_status": status_code,
            "new_body": json.dumps(body),
        }
        COMPLETE.send(db.session.connection(), values)


@dataclass(frozen=True)
class StoredResponse:
    status_code: int
    body: dict


def idempotent(per_user=False):
    """View decorator: the view receives `claim` (None without the header) to pass to its service.

    With per_user, keys are scoped to the logged-in user as well as to the method and path.
    """

    def decorate(view):
        @wraps(view)
        def guarded(*args, **kwargs):
            key = request.headers.get(HEADER)
            if key is None:
                return view(*args, claim=None, **kwargs)
            outcome = claim_key(request_scope(per_user), checked_key(key), request_hash())
            if isinstance(outcome, StoredResponse):
                return replay(outcome)
            try:
                return view(*args, claim=outcome, **kwargs)
            except BaseException:
                release(outcome)
                raise

        return guarded

    return decorate


def checked_key(key):
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH:
        raise BadRequest(
            f"{HEADER} must have 1 to {MAX_KEY_LENGTH} characters.", code="invalid_idempotency_key"
        )
    return key


def request_scope(per_user):
    scope = f"{request.method} {request.path}"
    return f"{scope} user:{current_user.id}" if per_user else scope


def request_hash():
    """SHA-256 of the JSON body in canonical form (key order and spacing do not matter)."""
    data = request.get_json(silent=True, force=True)
    if data is None:
        raw = request.get_data(cache=True)
    else:
        raw = json.dumps(data, sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha256(raw).hexdigest()


def replay(stored):
    response = jsonify(stored.body)
    response.headers["Idempotent-Replayed"] = "true"
    return response, stored.status_code


def claim_key(scope, key, request_hash):
    """A Claim when this request is the first with its key, else the first one's StoredResponse.

    Waits while the first request is still running; KeyReused for another body, KeyInProgress
    when the first does not finish within WAIT_SECONDS.
    """
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        claim = insert_record(scope, key, request_hash)
        if claim:
            return claim
        record = find_record(scope, key)
        if record is None:
            continue  # the first request failed and released the key: try to take it
        if record.request_hash != request_hash:
            raise KeyReused()
        if record.status_code is not None:
            return StoredResponse(record.status_code, json.loads(record.response_body))
        if record.created_at < utcnow() - ABANDONED_AFTER:
            delete_unfinished(record.id)
            continue
        if time.monotonic() > deadline:
            raise KeyInProgress()
        time.sleep(POLL_SECONDS)


def insert_record(scope, key, request_hash):
    """Inserts and commits the key's record; None when the key is already taken."""
    now = utcnow()
    expired = (
        IdempotencyRecord.scope == scope,
        IdempotencyRecord.key == key,
        IdempotencyRecord.expires_at < now,
    )
    db.session.execute(delete(IdempotencyRecord).where(*expired))
    record = IdempotencyRecord(
        scope=scope, key=key, request_hash=request_hash, expires_at=now + RECORD_TTL
    )
    db.session.add(record)
    try:
        db.session.flush()
        record_id = record.id
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return None
    if random.random() < PURGE_CHANCE:
        purge_expired()
    return Claim(record_id)


def find_record(scope, key):
    with read_only():
        record = db.session.scalar(
            select(IdempotencyRecord).where(
                IdempotencyRecord.scope == scope, IdempotencyRecord.key == key
            )
        )
        if record is not None:
            db.session.expunge(record)
        return record


@contextmanager
def read_only():
    """A read that does not take SQLite's write lock, so the waiting does not slow the winner."""
    db.session.rollback()
    token = write_intent.set(False)
    try:
        yield
    finally:
        db.session.rollback()
        write_intent.reset(token)


def delete_unfinished(record_id):
    db.session.execute(
        delete(IdempotencyRecord).where(
            IdempotencyRecord.id == record_id, IdempotencyRecord.status_code.is_(None)
        )
    )
    db.session.commit()


def release(claim):
    """Frees the key of a request that failed (its transaction booked nothing)."""
    try:
        db.session.rollback()
        delete_unfinished(claim.record_id)
    except SQLAlchemyError:
        db.session.rollback()
        log.exception("Could not release Idempotency-Key record %s", claim.record_id)


def purge_expired():
    """Deletes every expired record; returns how many (best effort: 0 when it fails)."""
    try:
        result = db.session.execute(
            delete(IdempotencyRecord).where(IdempotencyRecord.expires_at < utcnow())
        )
        db.session.commit()
    except SQLAlchemyError:  # e.g. two purges deadlocking on PostgreSQL: the next one will do
        db.session.rollback()
        return 0
    return result.rowcount
