"""SQLite: writing transactions queue on a file lock and leave it when they end, however they end
(app/common/sqlite.py)."""

import sqlite3
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest
from sqlalchemy import text

from app.common.sqlite import WriterQueue


@pytest.fixture()
def sqlite_engine(db):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    return db.engine


def writer(engine, name, log, entered, leave, end):
    """A thread's write transaction (a new thread's transactions are writers by default)."""
    with engine.connect() as connection:
        transaction = connection.begin()
        log.append(f"{name} in")
        entered.set()
        leave.wait(10)
        connection.execute(text("SELECT 1"))
        log.append(f"{name} out")
        getattr(transaction, end)()


@pytest.mark.parametrize("end", ["commit", "rollback"])
def test_a_second_writer_waits_for_the_first_to_end(sqlite_engine, end):
    log = []
    first_in, first_leave = threading.Event(), threading.Event()
    second_in, second_leave = threading.Event(), threading.Event()
    first = threading.Thread(
        target=writer, args=(sqlite_engine, "first", log, first_in, first_leave, end)
    )
    second = threading.Thread(
        target=writer, args=(sqlite_engine, "second", log, second_in, second_leave, "commit")
    )
    first.start()
    assert first_in.wait(10)
    second.start()
    assert not second_in.wait(0.3)  # queued behind the first
    first_leave.set()
    assert second_in.wait(10)  # let in once the first ended
    second_leave.set()
    first.join(10)
    second.join(10)
    assert log == ["first in", "first out", "second in", "second out"]
    assert Path(sqlite_engine.url.database + ".writer-lock").exists()  # the queue's file


def assert_a_writer_gets_in(engine):
    """A new writer (in a thread of its own) begins within 5 s: nobody holds the queue."""
    entered = threading.Event()

    def write():
        with engine.connect() as connection:
            connection.begin()
            entered.set()

    writer_thread = threading.Thread(target=write)
    writer_thread.start()
    assert entered.wait(5)
    writer_thread.join(10)


def test_a_writer_whose_connection_closes_leaves_the_queue(sqlite_engine):
    done = threading.Event()

    def begin_and_close():
        c = sqlite_engine.connect()
        c.begin()
        c.close()  # no commit: the pool rolls back, the queue is left
        done.set()

    thread = threading.Thread(target=begin_and_close)
    thread.start()
    assert done.wait(10)
    thread.join(10)
    assert_a_writer_gets_in(sqlite_engine)


def test_a_writer_gives_up_after_the_busy_timeout_as_sqlite_would(tmp_path):
    queue = WriterQueue(str(tmp_path / "db.writer-lock"), timeout_seconds=0.2)
    holder = threading.Thread(target=queue.acquire)
    holder.start()
    holder.join(5)
    with pytest.raises(sqlite3.OperationalError, match="database is locked"):
        queue.acquire()
    queue.release()  # by another thread than the one that took it: the queue is the transaction's
    queue.acquire()  # free again
    queue.release()


def test_another_process_waits_its_turn(tmp_path):
    lock_path = str(tmp_path / "db.writer-lock")
    queue = WriterQueue(lock_path, timeout_seconds=5)
    queue.acquire()
    script = textwrap.dedent(
        """
        import sys
        sys.path.insert(0, sys.argv[2])
        from app.common.sqlite import WriterQueue
        queue = WriterQueue(sys.argv[1], timeout_seconds=0.2)
        try:
            queue.acquire()
        except Exception as error:
            print("refused", type(error).__name__)
        else:
            print("entered")
        """
    )
    root = str(Path(__file__).resolve().parents[2])
    busy = subprocess.run([sys.executable, "-c", script, lock_path, root], capture_output=True)
    assert busy.stdout.decode().strip() == "refused OperationalError"
    queue.release()
    free = subprocess.run([sys.executable, "-c", script, lock_path, root], capture_output=True)
    assert free.stdout.decode().strip() == "entered"


def test_a_transaction_ended_by_another_thread_leaves_the_queue(sqlite_engine):
    connection = sqlite_engine.connect()
    began = threading.Event()

    def begin():
        connection.begin()  # a new thread's transactions are writers
        began.set()

    thread = threading.Thread(target=begin)
    thread.start()
    assert began.wait(10)
    thread.join(10)
    connection.rollback()  # this thread ends what the other began
    connection.close()
    assert_a_writer_gets_in(sqlite_engine)
