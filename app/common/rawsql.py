"""Core statements run straight on the driver's cursor, for the booking hot path.

SQLAlchemy's execute() spends tens of microseconds of Python on each statement (the compiled
cache, an execution context, events, the result's set-up); a booking runs six statements, and that
was about a third of a worker's time per booking. A RawStatement has SQLAlchemy compile its Core
statement once per dialect (the SQL text, the parameter order, each column type's conversions and
the columns' Python defaults) and then each execution is the driver's call plus those conversions.

Statements run on the session's connection, inside the session's transaction: the caller commits
through the session as usual. Driver errors are re-raised as SQLAlchemy's (IntegrityError ...).
"""

from collections import namedtuple
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import event
from sqlalchemy.exc import DBAPIError

# Key of Connection.info while pipeline() is open: the driver's Pipeline.
PIPELINE = "rawsql_pipeline"


def driver_cursor(connection):
    """A cursor of the driver's connection under a SQLAlchemy Connection."""
    return connection.connection.dbapi_connection.cursor()


@dataclass(frozen=True)
class _Plan:
    sql: str
    names: tuple  # bind names, in the statement's order
    positional: bool
    bind_processors: dict  # bind name -> conversion to the driver's value
    defaults: dict  # bind name -> the column's Python default (callable or value)
    row_type: type | None
    result_processors: tuple

    def row(self, raw):
        """A driver row as a named tuple of the values SQLAlchemy would give."""
        return self.row_type(
            *(process(value) if process else value
              for process, value in zip(self.result_processors, raw, strict=True))
        )  # fmt: skip


class RawStatement:
    """A Core statement (select, insert, update) compiled once per dialect; see the module doc.

    `columns`: for an INSERT, the columns the caller gives values for (the others get their
    defaults). Made for the hot path's plain statements: every value a named bindparam (no
    literal values), result columns with a name each and no Numeric/Float types.
    """

    def __init__(self, statement, columns=None):
        self.statement = statement
        self.columns = columns
        self._plans = {}

    def execute(self, connection, params):
        """Runs the statement with one dict of parameters; its rows (named tuples) when it
        returns rows, else the number of rows it changed."""
        return self.send(connection, params).result()

    def send(self, connection, params):
        """Runs the statement; inside pipeline() it is only queued, and its Outcome's result()
        waits for it (with everything queued before it)."""
        return self._send(connection, params, many=False)

    def send_many(self, connection, rows):
        """Runs the statement (which returns nothing) once per dict of parameters."""
        return self._send(connection, rows, many=True)

    def _send(self, connection, params, many):
        plan, cursor = self._plan(connection.dialect), driver_cursor(connection)
        try:
            if many:
                cursor.executemany(plan.sql, [self._driver_params(plan, row) for row in params])
            else:
                cursor.execute(plan.sql, self._driver_params(plan, params))
        except connection.dialect.loaded_dbapi.Error as error:
            cursor.close()
            raise sqlalchemy_error(error, connection, self.statement, params) from error
        outcome = Outcome(self, plan, cursor, connection, params)
        if PIPELINE not in connection.info:
            outcome.result()
        return outcome

    def _plan(self, dialect):
        key = (type(dialect), dialect.paramstyle)
        plan = self._plans.get(key)
        if plan is None:
            plan = self._plans[key] = self._compile(dialect)
        return plan

    def _compile(self, dialect):
        compiled = self.statement.compile(dialect=dialect, column_keys=self.columns)
        binds = compiled.binds
        names = tuple(compiled.positiontup or binds)
        processors = {}
        for name in names:
            processor = binds[name].type.dialect_impl(dialect).bind_processor(dialect)
            if processor is not None:
                processors[name] = processor
        # Columns the statement fills from Python: INSERT defaults, UPDATE onupdate values.
        defaults = {column.key: column.default.arg for column in compiled.insert_prefetch}
        defaults |= {column.key: column.onupdate.arg for column in compiled.update_prefetch}
        returned = list(self.statement.exported_columns)  # a SELECT's, or RETURNING's
        return _Plan(
            sql=compiled.string,
            names=names,
            positional=bool(compiled.positiontup),
            bind_processors=processors,
            defaults=defaults,
            row_type=namedtuple("Row", [column.key for column in returned]) if returned else None,
            result_processors=tuple(
                column.type.dialect_impl(dialect).result_processor(dialect, None)
                for column in returned
            ),
        )

    @staticmethod
    def _driver_params(plan, params):
        values = []
        for name in plan.names:
            if name in params:
                value = params[name]
            else:  # a column the caller left to its Python default
                default = plan.defaults[name]
                value = default(None) if callable(default) else default
            processor = plan.bind_processors.get(name)
            values.append(processor(value) if processor else value)
        return tuple(values) if plan.positional else dict(zip(plan.names, values, strict=True))


class Outcome:
    """What a sent statement gave: result() is its rows, or the number of rows it changed."""

    def __init__(self, statement, plan, cursor, connection, params):
        self.statement, self.plan, self.cursor = statement, plan, cursor
        self.connection, self.params = connection, params
        self.done, self.value = False, None

    def result(self):
        if not self.done:
            try:
                self.value = self._read()
            except self.connection.dialect.loaded_dbapi.Error as error:
                statement = self.statement.statement
                raise sqlalchemy_error(error, self.connection, statement, self.params) from error
            finally:
                self.cursor.close()
            self.done = True
        return self.value

    def _read(self):
        if self.plan.row_type is not None:
            raw_rows = self.cursor.fetchall()  # in a pipeline, this waits for it
            return [self.plan.row(raw) for raw in raw_rows]
        pipeline = self.connection.info.get(PIPELINE)
        if pipeline is not None:
            pipeline.sync()
        return self.cursor.rowcount


def forbid_sqlalchemy_statements_in_pipelines(engine):
    """A statement run through SQLAlchemy inside pipeline() would read an empty result (the
    driver has not fetched it yet): make it fail with a clear message instead."""

    @event.listens_for(engine, "before_cursor_execute")
    def refuse_in_pipeline(connection, _cursor, statement, *_args):
        if PIPELINE in connection.info:
            raise RuntimeError(
                "A SQLAlchemy statement ran inside rawsql.pipeline(); only RawStatement may: "
                + statement[:80]
            )


@contextmanager
def pipeline(connection, enabled=True):
    """PostgreSQL (psycopg): statements sent inside are queued and go to the server together
    when a result is first needed, and at the end of the block, so a batch costs one round trip
    instead of one per statement. Only RawStatement may run inside (SQLAlchemy reads a cursor's
    results at once; see forbid_sqlalchemy_statements_in_pipelines); commit after the block. A
    queued statement that fails is raised by whichever later result() or the block's end reads
    it, so the error may name a later statement. Elsewhere (SQLite runs in-process) it changes
    nothing.
    """
    start = getattr(connection.connection.dbapi_connection, "pipeline", None)
    if not enabled or start is None or PIPELINE in connection.info:
        yield
        return
    # A queued statement that failed raises when the block ends.
    info = connection.info  # read now: an invalidated connection refuses it later
    with sqlalchemy_errors(connection, None, None), start() as driver_pipeline:
        info[PIPELINE] = driver_pipeline
        try:
            yield
        finally:
            info.pop(PIPELINE, None)


@contextmanager
def sqlalchemy_errors(connection, statement, params):
    """Driver errors raised inside as SQLAlchemy's (see sqlalchemy_error)."""
    try:
        yield
    except connection.dialect.loaded_dbapi.Error as error:
        raise sqlalchemy_error(error, connection, statement, params) from error


def sqlalchemy_error(error, connection, statement, params):
    """A driver error as SQLAlchemy's (IntegrityError ...), as Connection.execute raises it;
    `statement` (a Core statement, or None for a pipeline's batch) is rendered only then.

    Like Connection.execute, a lost connection (server restart, dropped socket) is invalidated,
    so the pool replaces it and the session's rollback does not fail on it again. (A plain
    try/except at each call, not this module's context manager: the hot path runs about a dozen
    of these per booking, and a generator-based context manager costs microseconds each.)
    """
    dialect = connection.dialect
    lost = connection.invalidated or dialect.is_disconnect(
        error, connection.connection.dbapi_connection, None
    )
    if lost and not connection.invalidated:
        connection.invalidate(error)
    return DBAPIError.instance(
        str(statement) if statement is not None else "(pipeline)",
        params,
        error,
        dialect.loaded_dbapi.Error,
        connection_invalidated=lost,
        dialect=dialect,
    )
