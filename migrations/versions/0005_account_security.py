"""account security: ids never reused, security stamps, sessions, two-factor login

Revision ID: b6d2e4f81a07
Revises: 3f9b7a1c2d54
Create Date: 2026-12-01 21:30:00

- SQLite: `users` is rebuilt with AUTOINCREMENT, so a deleted account's id is never handed to
  the next one (its old tokens and links would have worked for the new account). The rebuild
  copies every row with its id; migrations/env.py turns SQLite's foreign keys off around the
  migration (the table is dropped and renamed), and this migration checks them before it ends.
  PostgreSQL's sequences never reuse an id: nothing to rebuild there.
- Every user gets a random security stamp, which every token and emailed link now carries.
- user_sessions (one row per login, the refresh-token family) and recovery_codes.
"""

import secrets

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "b6d2e4f81a07"
down_revision = "3f9b7a1c2d54"
branch_labels = None
depends_on = None


def users_batch():
    """A batch on users that, on SQLite, rebuilds the table with AUTOINCREMENT."""
    if op.get_bind().dialect.name == "sqlite":
        return op.batch_alter_table(
            "users", recreate="always", table_kwargs={"sqlite_autoincrement": True}
        )
    return op.batch_alter_table("users")


def upgrade():
    with users_batch() as batch_op:
        batch_op.add_column(sa.Column("security_stamp", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("totp_secret", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("totp_enabled", sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column("totp_last_step", sa.Integer(), nullable=True))
    fill_new_user_columns()
    with users_batch() as batch_op:
        batch_op.alter_column("security_stamp", existing_type=sa.String(length=32), nullable=False)
        batch_op.alter_column("totp_enabled", existing_type=sa.Boolean(), nullable=False)
    create_session_tables()
    check_foreign_keys()


def fill_new_user_columns():
    bind = op.get_bind()
    users = sa.table(
        "users",
        sa.column("id", sa.Integer),
        sa.column("security_stamp", sa.String),
        sa.column("totp_enabled", sa.Boolean),
    )
    ids = [row.id for row in bind.execute(sa.select(users.c.id))]
    for user_id in ids:  # a stamp of its own per account
        bind.execute(
            users.update()
            .where(users.c.id == user_id)
            .values(security_stamp=secrets.token_hex(16), totp_enabled=False)
        )


def create_session_tables():
    op.create_table(
        "user_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("via", sa.String(length=16), nullable=False),
        sa.Column("refresh_jti", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("end_reason", sa.String(length=32), nullable=True),
        sa.Column("user_agent", sa.String(length=255), nullable=True),
        sa.Column("ip", sa.String(length=45), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_user_sessions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_sessions")),
    )
    with op.batch_alter_table("user_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_user_sessions_user_id"), ["user_id"], unique=False)
    op.create_table(
        "recovery_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_recovery_codes_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recovery_codes")),
    )
    with op.batch_alter_table("recovery_codes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_recovery_codes_user_id"), ["user_id"], unique=False)


def check_foreign_keys():
    """SQLite ran this migration with foreign keys off: every reference must still resolve."""
    if op.get_bind().dialect.name != "sqlite":
        return
    broken = op.get_bind().exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        raise RuntimeError(f"Foreign keys broken by the users rebuild: {broken[:5]}")


def downgrade():
    with op.batch_alter_table("recovery_codes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_recovery_codes_user_id"))
    op.drop_table("recovery_codes")
    with op.batch_alter_table("user_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_user_sessions_user_id"))
    op.drop_table("user_sessions")
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_column("totp_last_step")
        batch_op.drop_column("totp_enabled")
        batch_op.drop_column("totp_secret")
        batch_op.drop_column("security_stamp")
    check_foreign_keys()
