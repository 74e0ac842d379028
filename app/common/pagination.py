"""?page=&per_page= pagination, shaped as {<items>, page, per_page, total, pages}."""

from sqlalchemy import func, select

from app.common.validation import int_query_arg
from app.extensions import db

DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100


def page_args():
    """(page, per_page) from the query string; per_page is capped, bad values are a 400."""
    page = positive_int_arg("page", 1)
    per_page = min(positive_int_arg("per_page", DEFAULT_PER_PAGE), MAX_PER_PAGE)
    return page, per_page


def positive_int_arg(name, default):
    # Any page is accepted (past the end: an empty list) up to the 64-bit range; the offset is
    # computed from at most 10**9, so it stays far inside that range too.
    return min(int_query_arg(name, default, minimum=1), 10**9)


def page_envelope(key, items, page, per_page, total):
    pages = (total + per_page - 1) // per_page if total else 0
    return {key: items, "page": page, "per_page": per_page, "total": total, "pages": pages}


def paginate(query, key, serialize, scalars=True):
    """Runs a select for the requested page; `serialize` shapes each row (or ORM object)."""
    page, per_page = page_args()
    counted = select(func.count()).select_from(query.order_by(None).subquery())
    total = db.session.scalar(counted)
    result = db.session.execute(query.limit(per_page).offset((page - 1) * per_page))
    rows = result.scalars() if scalars else result
    return page_envelope(key, [serialize(row) for row in rows], page, per_page, total)
