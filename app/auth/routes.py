"""Accounts: register, verify, log in (with a second factor) and out, sessions, passwords."""

from flask import current_app, jsonify, render_template_string, request
from flask_jwt_extended import current_user, get_jwt, jwt_required
from flask_login import logout_user

from app.auth import bp, service, twofactor
from app.auth.ratelimits import account_key, limit, user_key
from app.auth.schemas import (
    CodeIn,
    EmailIn,
    LoginIn,
    LoginTwoFactorIn,
    LogoutIn,
    RegisterIn,
    SetPasswordIn,
    session_out,
    user_out,
)
from app.auth.tokens import Client
from app.common.auth import login_required
from app.common.sqlite import writes_database
from app.common.validation import parse_body

VERIFIED_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Email verified</title></head><body><h1>Email verified</h1>
<p>Thank you, {{ name }}. Your account is ready: you can log in now.</p></body></html>"""


@bp.after_request
def never_cache(response):
    # Tokens, secrets, recovery codes and account data: no shared or browser cache keeps them.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response


def request_client():
    return Client(ip=request.remote_addr, user_agent=request.user_agent.string or None)


@bp.post("/register")
@limit("RATELIMIT_REGISTER")
def register():
    user = service.register_user(parse_body(RegisterIn))
    message = "Account created. Check your email to verify it before logging in."
    return jsonify(message=message, user=user_out(user)), 201


@bp.get("/verify-email/<token>")
@limit("RATELIMIT_VERIFY")
@writes_database
def verify_email(token):
    user = service.verify_email(token)
    if wants_html():
        return render_template_string(VERIFIED_PAGE, name=user.name or user.username)
    return jsonify(message="Email verified. You can log in now.", user=user_out(user))


def wants_html():
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "text/html" and request.accept_mimetypes["text/html"] > 0


@bp.post("/resend-verification")
@limit("RATELIMIT_RESEND")
@limit("RATELIMIT_RESEND", key_func=account_key)
def resend_verification():
    service.resend_verification(parse_body(EmailIn).email)
    message = "If an unverified account has this email, a new link is on its way."
    return jsonify(message=message), 202


@bp.post("/login")
@bp.post("/login/JWT")
@limit("RATELIMIT_LOGIN")
@limit("RATELIMIT_LOGIN", key_func=account_key)
def login():
    data = parse_body(LoginIn)
    result = service.login(data.identifier, data.password, client=request_client())
    return jsonify(login_response(result))


@bp.post("/login/2fa")
@limit("RATELIMIT_LOGIN")
def login_second_factor():
    data = parse_body(LoginTwoFactorIn)
    result = service.login_second_factor(data.mfa_token, data.code, client=request_client())
    return jsonify(login_response(result))


def login_response(result):
    """The tokens of a finished login, or the challenge of a two-factor one."""
    if result.mfa_token is not None:
        return {"mfa_required": True, "mfa_token": result.mfa_token}
    return token_response(result.user, *result.tokens)


def token_response(user, access, refresh):
    expires = current_app.config["JWT_ACCESS_TOKEN_EXPIRES"]
    return {
        "access_token": access,
        "refresh_token": refresh,
        "auth_token": access,
        "token_type": "Bearer",
        "expires_in": int(expires.total_seconds()),
        "user": user_out(user),
    }


@bp.post("/refresh")
@jwt_required(refresh=True)
@limit("RATELIMIT_REFRESH")
def refresh():
    access, refresh_token = service.refresh_tokens(current_user, get_jwt())
    return jsonify(access_token=access, refresh_token=refresh_token)


@bp.post("/logout")
@login_required
def logout():
    data = parse_body(LogoutIn)
    service.logout(current_user, get_jwt(), data.refresh_token)
    return jsonify(message="Logged out.")


@bp.get("/logout")
def logout_browser_session():
    logout_user()
    return jsonify(message="Logged out.")


@bp.get("/me")
@bp.get("/myself")
@login_required
def me():
    return jsonify(user_out(current_user))


# --- sessions -----------------------------------------------------------------------------------


@bp.get("/me/sessions")
@login_required
def my_sessions():
    current = get_jwt().get("sid")
    sessions = service.list_sessions(current_user)
    return jsonify(sessions=[session_out(session, current) for session in sessions])


@bp.delete("/me/sessions/<int:session_id>")
@login_required
def end_my_session(session_id):
    service.end_own_session(current_user, session_id)
    return "", 204


# --- two-factor login ---------------------------------------------------------------------------


@bp.post("/me/2fa")
@login_required
def begin_two_factor_setup():
    return jsonify(twofactor.begin_setup(current_user))


@bp.post("/me/2fa/confirm")
@login_required
@limit("RATELIMIT_LOGIN")
@limit("RATELIMIT_LOGIN", key_func=user_key)
def confirm_two_factor():
    codes = twofactor.confirm_setup(current_user, parse_body(CodeIn).code)
    message = "Two-factor login is on. Keep these recovery codes somewhere safe: each works once."
    return jsonify(message=message, recovery_codes=codes)


@bp.delete("/me/2fa")
@login_required
@limit("RATELIMIT_LOGIN")
@limit("RATELIMIT_LOGIN", key_func=user_key)
def disable_two_factor():
    # A wrong code counts as a failed login: a stolen access token must not buy unlimited
    # guesses at the second factor it would switch off.
    service.disable_two_factor(current_user, parse_body(CodeIn).code, request_client())
    return jsonify(message="Two-factor login is off.")


# --- passwords ----------------------------------------------------------------------------------


@bp.post("/set-password/<token>")
@limit("RATELIMIT_VERIFY")
def set_password(token):
    user = service.set_password(token, parse_body(SetPasswordIn).password)
    return jsonify(message="Password set. You can log in now.", user=user_out(user))


@bp.post("/forgot-password")
@limit("RATELIMIT_RESEND")
@limit("RATELIMIT_RESEND", key_func=account_key)
def forgot_password():
    service.forgot_password(parse_body(EmailIn).email)
    message = "If an account has this email, a link to reset its password is on its way."
    return jsonify(message=message), 202


@bp.post("/reset-password/<token>")
@limit("RATELIMIT_VERIFY")
def reset_password(token):
    user = service.reset_password(token, parse_body(SetPasswordIn).password)
    message = "Password changed. Every session of the account has ended: log in again."
    return jsonify(message=message, user=user_out(user))
