"""Accounts: register, verify, log in and out, refresh, who am I."""

from flask import current_app, jsonify, render_template_string, request
from flask_jwt_extended import current_user, get_jwt, jwt_required
from flask_login import logout_user

from app.auth import bp, service
from app.auth.ratelimits import email_key, limit
from app.auth.schemas import EmailIn, LoginIn, LogoutIn, RegisterIn, SetPasswordIn, user_out
from app.common.auth import login_required
from app.common.validation import parse_body

VERIFIED_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Email verified</title></head><body><h1>Email verified</h1>
<p>Thank you, {{ name }}. Your account is ready: you can log in now.</p></body></html>"""


@bp.post("/register")
@limit("RATELIMIT_REGISTER")
def register():
    user = service.register_user(parse_body(RegisterIn))
    message = "Account created. Check your email to verify it before logging in."
    return jsonify(message=message, user=user_out(user)), 201


@bp.get("/verify-email/<token>")
@limit("RATELIMIT_VERIFY")
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
@limit("RATELIMIT_RESEND", key_func=email_key)
def resend_verification():
    service.resend_verification(parse_body(EmailIn).email)
    message = "If an unverified account has this email, a new link is on its way."
    return jsonify(message=message), 202


@bp.post("/login")
@bp.post("/login/JWT")
@limit("RATELIMIT_LOGIN")
@limit("RATELIMIT_LOGIN", key_func=email_key)
def login():
    data = parse_body(LoginIn)
    user, (access, refresh) = service.login(data.identifier, data.password, ip=request.remote_addr)
    return jsonify(token_response(user, access, refresh))


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


@bp.post("/set-password/<token>")
@limit("RATELIMIT_VERIFY")
def set_password(token):
    user = service.set_password(token, parse_body(SetPasswordIn).password)
    return jsonify(message="Password set. You can log in now.", user=user_out(user))
