"""Administration routes. The whole blueprint is admin-only: see require_admin below."""

from flask import current_app, jsonify, request
from flask_jwt_extended import current_user, verify_jwt_in_request

from app.admin import bp, outbox, service
from app.admin.schemas import (
    AdminTicketCreate,
    AdminTicketUpdate,
    AdminUserCreate,
    AdminUserUpdate,
    BuyerUpdate,
    audit_out,
    buyer_out,
)
from app.auth.schemas import user_out
from app.common.pagination import page_args, page_envelope, paginate
from app.common.validation import id_query_arg, parse_body
from app.email import OUTBOX_STATUSES
from app.errors import Forbidden, ValidationFailed
from app.tickets.schemas import booking_out


@bp.before_request
def require_admin():
    """Deny by default: every /admin route, present or future, needs an admin token."""
    if request.method == "OPTIONS":
        return  # Flask's automatic answer (and CORS preflights) carry no token
    verify_jwt_in_request()
    if current_user.role != "admin":
        raise Forbidden("Administrators only.", code="admin_only")
    if current_app.config["REQUIRE_ADMIN_2FA"] and not current_user.totp_enabled:
        raise Forbidden(
            "Turn on two-factor login (POST /me/2fa) before using the admin routes.",
            code="mfa_setup_required",
        )


def bool_arg(name):
    raw = request.args.get(name)
    if raw is None or raw == "":
        return None
    if raw.lower() in ("true", "1", "yes"):
        return True
    if raw.lower() in ("false", "0", "no"):
        return False
    raise ValidationFailed(f"{name} must be true or false.", fields={name: ["must be a boolean"]})


def choice_arg(name, choices):
    value = request.args.get(name) or None
    if value not in (None, *choices):
        raise ValidationFailed(f"Unknown {name}.", fields={name: [f"one of {', '.join(choices)}"]})
    return value


@bp.get("/admin/users")
def list_users():
    query = service.list_users(
        choice_arg("role", ("admin", "organizer", "reseller")),
        bool_arg("blocked"),
        request.args.get("q"),
    )
    return jsonify(paginate(query, "users", user_out))


@bp.post("/admin/users")
def create_user():
    user = service.create_user(parse_body(AdminUserCreate), current_user)
    return jsonify(user_out(user)), 201


@bp.get("/admin/users/<int:user_id>")
def get_user(user_id):
    return jsonify(user_out(service.get_user(user_id)))


@bp.patch("/admin/users/<int:user_id>")
def update_user(user_id):
    user = service.update_user(user_id, parse_body(AdminUserUpdate), current_user)
    return jsonify(user_out(user))


@bp.delete("/admin/users/<int:user_id>")
def delete_user(user_id):
    service.delete_user(user_id, current_user)
    return "", 204


@bp.post("/admin/users/<int:user_id>/unblock")
def unblock_user(user_id):
    user = service.unblock_user(user_id, current_user, ip=request.remote_addr)
    return jsonify(user_out(user))


@bp.get("/admin/buyers")
def list_buyers():
    query = service.list_buyers(request.args.get("q"))
    return jsonify(paginate(query, "buyers", lambda row: buyer_out(*row), scalars=False))


@bp.get("/admin/buyers/<int:buyer_id>")
def get_buyer(buyer_id):
    return jsonify(buyer_out(*service.get_buyer(buyer_id)))


@bp.patch("/admin/buyers/<int:buyer_id>")
def update_buyer(buyer_id):
    row = service.update_buyer(buyer_id, parse_body(BuyerUpdate), current_user)
    return jsonify(buyer_out(*row))


@bp.delete("/admin/buyers/<int:buyer_id>")
def delete_buyer(buyer_id):
    service.delete_buyer(buyer_id, current_user)
    return "", 204


@bp.get("/admin/audit")
def list_audit():
    query = service.list_audit(
        action=request.args.get("action") or None,
        actor_id=id_query_arg("actor_id"),
        target_type=choice_arg(
            "target_type", ("user", "buyer", "booking", "allocation", "event", "email")
        ),
        target_id=id_query_arg("target_id"),
    )
    return jsonify(paginate(query, "entries", audit_out))


@bp.get("/admin/tickets")
def list_tickets():
    status = choice_arg("status", ("confirmed", "cancelled"))
    page, per_page = page_args()
    bookings, total = service.list_tickets(
        event_id=id_query_arg("event_id"),
        seller_id=id_query_arg("seller_id"),
        status=status,
        email=request.args.get("email"),
        page=page,
        per_page=per_page,
    )
    items = [booking_out(booking) for booking in bookings]
    return jsonify(page_envelope("tickets", items, page, per_page, total))


@bp.post("/admin/tickets")
def create_ticket():
    return jsonify(service.create_ticket(parse_body(AdminTicketCreate), current_user)), 201


@bp.get("/admin/tickets/<int:ticket_id>")
def get_ticket(ticket_id):
    return jsonify(booking_out(service.get_ticket(ticket_id)))


@bp.patch("/admin/tickets/<int:ticket_id>")
def update_ticket(ticket_id):
    booking = service.update_ticket_buyer(ticket_id, parse_body(AdminTicketUpdate), current_user)
    return jsonify(booking_out(booking))


@bp.delete("/admin/tickets/<int:ticket_id>")
def cancel_ticket(ticket_id):
    service.cancel_ticket(ticket_id, current_user)
    return "", 204


# --- the email outbox (app/admin/outbox.py) -----------------------------------------------------


@bp.get("/admin/outbox")
def list_outbox():
    query = outbox.list_messages(choice_arg("status", OUTBOX_STATUSES))
    return jsonify(paginate(query, "messages", outbox.message_out))


@bp.post("/admin/outbox/<int:message_id>/retry")
def retry_outbox_message(message_id):
    message = outbox.requeue(message_id, current_user, ip=request.remote_addr)
    return jsonify(outbox.message_out(message))
