"""HTTP routes; each parses input, calls one service function, and shapes the result."""

from flask import current_app, jsonify, request
from flask_jwt_extended import current_user, get_current_user, verify_jwt_in_request

from app.common.auth import login_required, roles_required
from app.common.pagination import page_args, page_envelope
from app.common.validation import parse_body
from app.extensions import limiter
from app.tickets import bp, service
from app.tickets.idempotency import idempotent
from app.tickets.schemas import (
    AllocationCreateIn,
    AllocationUpdateIn,
    BookingIn,
    BuyerEmailIn,
    CancelIn,
    CheckInIn,
    OfferUpdateIn,
    PurchaseIn,
    allocation_out,
    booking_out,
    check_in_out,
    direct_offer_out,
    reseller_allocation_out,
    reseller_offer_out,
)


def limit_per_address(config_name):
    """A limit per client address whose rate is read from config at request time (as in
    app/auth/ratelimits.py), with ONE counter for every route it decorates: booking through
    /purchase_ticket does not add to the allowance of POST /events/<id>/bookings, nor cancels to
    lookups'. The event or reference in the path is not part of the key either. Owners and admins
    are counted like anyone (an admin cancels without limit through DELETE /admin/tickets/<id>).
    """
    return limiter.shared_limit(lambda: current_app.config[config_name], scope=config_name)


booking_limit = limit_per_address("BOOKING_RATE_LIMIT")
lookup_limit = limit_per_address("LOOKUP_RATE_LIMIT")

# --- allocations --------------------------------------------------------------------------------


@bp.post("/events/<int:event_id>/allocations")
@login_required
def create_allocation(event_id):
    data = parse_body(AllocationCreateIn)
    allocation = service.allocate_to_reseller(event_id, data, current_user)
    return jsonify(allocation_out(allocation)), 201


@bp.get("/events/<int:event_id>/allocations")
@login_required
def list_event_allocations(event_id):
    allocations = service.list_event_allocations(event_id, current_user)
    return jsonify(allocations=[allocation_out(allocation) for allocation in allocations])


@bp.patch("/events/<int:event_id>/allocations/<int:allocation_id>")
@login_required
def update_allocation(event_id, allocation_id):
    data = parse_body(AllocationUpdateIn)
    allocation = service.resize_event_allocation(
        event_id, allocation_id, data.quantity, current_user
    )
    return jsonify(allocation_out(allocation))


@bp.delete("/events/<int:event_id>/allocations/<int:allocation_id>")
@login_required
def delete_allocation(event_id, allocation_id):
    service.delete_event_allocation(event_id, allocation_id, current_user)
    return "", 204


@bp.get("/allocations")
@roles_required("reseller")
def list_my_allocations():
    allocations = service.list_reseller_allocations(current_user)
    return jsonify(allocations=[reseller_allocation_out(allocation) for allocation in allocations])


@bp.patch("/allocations/<int:allocation_id>")
@roles_required("reseller")
def update_my_allocation(allocation_id):
    data = parse_body(OfferUpdateIn)
    allocation = service.update_reseller_offer(allocation_id, data, current_user)
    return jsonify(allocation_out(allocation))


@bp.get("/events/<int:event_id>/offers")
def list_event_offers(event_id):
    event, allocations = service.list_offers(event_id)
    offers = [direct_offer_out(event)] + [reseller_offer_out(a) for a in allocations]
    return jsonify(offers=offers)


# --- bookings -----------------------------------------------------------------------------------


@bp.post("/events/<int:event_id>/bookings")
@booking_limit
@idempotent()
def create_booking(event_id, claim):
    data = parse_body(BookingIn)
    return jsonify(service.book_tickets(event_id, data, claim)), 201


@bp.get("/events/<int:event_id>/bookings")
@login_required
def list_event_bookings(event_id):
    page, per_page = page_args()
    bookings, total = service.list_event_bookings(event_id, current_user, page, per_page)
    items = [booking_out(booking) for booking in bookings]
    return jsonify(page_envelope("bookings", items, page, per_page, total))


@bp.get("/bookings/<reference>")
@lookup_limit
def get_booking(reference):
    query = BuyerEmailIn.model_validate({"email": request.args.get("email")})
    return jsonify(booking_out(service.get_buyer_booking(reference, query.email)))


@bp.post("/bookings/<reference>/cancel")
@lookup_limit
def cancel_booking(reference):
    data = parse_body(CancelIn)
    query = CancelIn.model_validate({"email": request.args.get("email")})
    verify_jwt_in_request(optional=True)
    booking = service.cancel_booking(reference, data.email or query.email, get_current_user())
    return jsonify(booking_out(booking))


@bp.post("/purchase_ticket/<int:event_id>")
@booking_limit
@login_required
@idempotent(per_user=True)
def purchase_ticket(event_id, claim):
    data = parse_body(PurchaseIn)
    body = service.purchase_tickets(event_id, data.num_tickets, current_user, claim)
    return jsonify(body), 201


@bp.get("/me/bookings")
@login_required
def list_my_bookings():
    page, per_page = page_args()
    bookings, total = service.list_user_bookings(current_user, page, per_page)
    items = [booking_out(booking) for booking in bookings]
    return jsonify(page_envelope("bookings", items, page, per_page, total))


@bp.post("/events/<int:event_id>/checkins")
@login_required
def check_in(event_id):
    data = parse_body(CheckInIn)
    ticket = service.check_in_ticket(event_id, data.code, current_user)
    return jsonify(check_in_out(ticket))
