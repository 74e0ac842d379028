"""flask CLI commands: create-admin, seed-demo, make-cert, send-mail, unblock-user,
purge-idempotency-keys."""

import os

import click

from app.errors import AppError


def register_commands(app):
    app.cli.add_command(create_admin_command)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(make_cert_command)
    app.cli.add_command(send_mail_command)
    app.cli.add_command(unblock_user_command)
    app.cli.add_command(purge_idempotency_keys_command)


@click.command("create-admin")
@click.option("--email", prompt=True, help="The admin's email (login).")
@click.option("--name", default=None, help="Display name.")
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help="Asked for when not given (so it stays out of the shell history).",
)
def create_admin_command(email, name, password):
    """Creates a verified admin account."""
    from app.auth.service import create_admin

    if len(password) < 8:
        raise click.BadParameter("must be at least 8 characters", param_hint="--password")
    try:
        user = create_admin(email, password, name)
    except AppError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"Admin {user.email} created (id {user.id}).")


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has events.")
@click.option("--password", default=None, help="Password of new demo accounts (random if omitted).")
def seed_demo_command(if_empty, password):
    """Loads the demo catalogue of Tunisian cultural events (idempotent)."""
    from app.demo import database_has_events, seed_demo_catalogue

    if if_empty and database_has_events():
        click.echo("The database already has events; demo catalogue not loaded.")
        return
    result = seed_demo_catalogue(password=password)
    click.echo(f"Demo catalogue: {result['events']} new event(s).")
    for email in result["users"]:
        click.echo(f"Demo account {email} (password: {result['password']})")


@click.command("make-cert")
@click.option("--cert", "cert_path", default="instance/cert.pem", show_default=True)
@click.option("--key", "key_path", default="instance/key.pem", show_default=True)
def make_cert_command(cert_path, key_path):
    """Writes a self-signed certificate for 127.0.0.1/localhost, unless one exists."""
    from app.ops.tls import write_self_signed_certificate

    if os.path.exists(cert_path) and os.path.exists(key_path):
        click.echo(f"Using the existing certificate {cert_path}.")
        return
    write_self_signed_certificate(cert_path, key_path)
    click.echo(f"Self-signed certificate written to {cert_path} (key {key_path}).")


@click.command("send-mail")
@click.option("--once", is_flag=True, help="Deliver what is due, then exit.")
@click.option("--interval", default=5.0, show_default=True, help="Seconds between passes.")
@click.option("--retry-failed", is_flag=True, help="First requeue every failed message (audited).")
def send_mail_command(once, interval, retry_failed):
    """Delivers the email outbox (for a separate worker; MAIL_BACKGROUND_SENDER=false)."""
    import logging
    import time
    import uuid

    from sqlalchemy.exc import SQLAlchemyError

    from app.admin.outbox import requeue_all_failed
    from app.email import run_pass
    from app.extensions import db

    if retry_failed:
        click.echo(f"{len(requeue_all_failed())} failed message(s) requeued.")
    worker_id = f"cli-{os.getpid()}-{uuid.uuid4().hex[:6]}"
    while True:
        try:
            report = run_pass(worker_id)
        except SQLAlchemyError as exc:  # the database is away: the next pass tries again
            db.session.rollback()
            if once:
                raise click.ClickException(f"The outbox is unreachable: {exc}") from None
            logging.getLogger(__name__).warning("Email pass failed: %s", exc)
            time.sleep(interval)
            continue
        if report.sent or report.failed or once:
            click.echo(f"{report.sent} sent, {report.failed} failed")
        if report.cut_short:  # the pass stopped at its bounds: more may be due, go on at once
            continue
        if once:
            return
        time.sleep(interval)


@click.command("unblock-user")
@click.argument("email")
def unblock_user_command(email):
    """Unblocks an account and resets its failed-login count."""
    from app.auth.service import unblock_user_by_email

    try:
        user = unblock_user_by_email(email)
    except AppError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"{user.email} is unblocked.")


@click.command("purge-idempotency-keys")
def purge_idempotency_keys_command():
    """Deletes the Idempotency-Key records past their 24 hours (bookings also purge them now and
    then; this is for a cron job or a quiet database)."""
    from app.tickets.idempotency import purge_expired

    click.echo(f"{purge_expired()} expired Idempotency-Key record(s) deleted.")
