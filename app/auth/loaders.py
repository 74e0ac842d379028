"""How Flask-Login finds the user of a browser session (OAuth web flow only)."""

from app.extensions import db, login_manager


@login_manager.user_loader
def load_session_user(user_id):
    from app.auth.models import User

    user = db.session.get(User, int(user_id)) if user_id.isdigit() else None
    if user is None or user.is_blocked or not user.is_active:
        return None
    return user
