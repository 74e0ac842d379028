"""The baseline of the booking ratio: bare Flask and the database driver, no ORM, no checks.

The issue's yardstick ("a bare sqlite3 endpoint doing one conditional update and one insert"),
run here on the same machine, database and gunicorn settings as the app, so the booking rate can
be read against what the machine gives at that moment (its speed drifts about 2x in a day).
Each booking: BEGIN (IMMEDIATE on SQLite), `UPDATE ... SET sold = sold + n WHERE stock - sold
>= n`, one INSERT, COMMIT. BENCH_BARE_DB is a sqlite3 file path or a postgresql:// URL; the
tables are made by create_tables().
"""

import os
import sqlite3

from flask import Flask, jsonify, request

app = Flask(__name__)
DATABASE = os.environ.get("BENCH_BARE_DB", "")
SCHEMA = (
    "CREATE TABLE bench_bare_events (id INTEGER PRIMARY KEY, stock INTEGER, sold INTEGER)",
    "CREATE TABLE bench_bare_sales (id {serial} PRIMARY KEY, event_id INTEGER, email TEXT)",
)
ADD_EVENT = "INSERT INTO bench_bare_events VALUES (1, ?, 0)"
TAKE = "UPDATE bench_bare_events SET sold = sold + ? WHERE id = ? AND stock - sold >= ?"
SELL = "INSERT INTO bench_bare_sales (event_id, email) VALUES (?, ?)"
_connection = None


def is_postgres(database):
    return database.startswith("postgresql")


def sql(statement, database):
    """The statement in the driver's parameter style (sqlite3 `?`, psycopg `%s`)."""
    return statement.replace("?", "%s") if is_postgres(database) else statement


def connect(database):
    if is_postgres(database):
        import psycopg

        return psycopg.connect(database)
    connection = sqlite3.connect(database, isolation_level=None, timeout=10)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")  # as the app's SQLite engine
    return connection


def create_tables(database, stock):
    """Fresh tables with one event of `stock` tickets, id 1."""
    connection = connect(database)
    serial = "SERIAL" if is_postgres(database) else "INTEGER"
    connection.execute("DROP TABLE IF EXISTS bench_bare_sales")
    connection.execute("DROP TABLE IF EXISTS bench_bare_events")
    for statement in SCHEMA:
        connection.execute(statement.format(serial=serial))
    connection.execute(sql(ADD_EVENT, database), (stock,))
    connection.commit()
    connection.close()


@app.get("/health")
def health():
    return jsonify(status="ok")


@app.post("/events/<int:event_id>/bookings")
def book(event_id):
    global _connection
    if _connection is None:
        _connection = connect(DATABASE)
    body = request.get_json()
    quantity, email = body["quantity"], body["buyer"]["email"]
    if not is_postgres(DATABASE):
        _connection.execute("BEGIN IMMEDIATE")
    try:
        taken = _connection.execute(sql(TAKE, DATABASE), (quantity, event_id, quantity)).rowcount
        if taken != 1:
            _connection.rollback()
            return jsonify(error="Not enough tickets left."), 409
        _connection.execute(sql(SELL, DATABASE), (event_id, email))
        _connection.commit()
    except Exception:
        _connection.rollback()  # or every later request on this worker fails inside BEGIN
        raise
    return jsonify(event_id=event_id, quantity=quantity), 201
