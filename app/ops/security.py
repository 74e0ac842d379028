"""Response hardening: security headers, CORS for configured origins, trusted proxies."""

from flask import request
from flask_cors import CORS
from werkzeug.middleware.proxy_fix import ProxyFix

# The API answers JSON only: nothing may load, run or frame it.
API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; style-src 'unsafe-inline'"
# Swagger UI (flasgger) runs an inline bootstrap script and loads Google Fonts.
DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; "
    "style-src 'self' 'unsafe-inline' https://fonts.googleapis.com; "
    "font-src 'self' https://fonts.gstatic.com data:; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)
DOCS_PATHS = ("/flasgger_static/", "/oauth2-redirect.html", "/apidocs/")


def is_docs_request():
    return request.path == "/" or request.path.startswith(DOCS_PATHS)


API_HEADERS = (
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "no-referrer"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
)
HSTS = ("Strict-Transport-Security", "max-age=31536000; includeSubDomains")


def add_security_headers(response):
    """Sets each header the response does not have yet (a view may set its own).

    One pass over the response's headers: werkzeug's Headers.setdefault raises and catches an
    exception for every missing name, and every name is missing on most responses.
    """
    headers = response.headers
    present = {name.lower() for name, _ in headers.items()}
    csp = ("Content-Security-Policy", DOCS_CSP if is_docs_request() else API_CSP)
    wanted = (*API_HEADERS, csp, HSTS) if request.is_secure else (*API_HEADERS, csp)
    headers.extend([pair for pair in wanted if pair[0].lower() not in present])
    return response


def cors_origins(app):
    return [o.strip() for o in app.config["CORS_ORIGINS"].split(",") if o.strip()]


def register_security(app):
    app.after_request(add_security_headers)
    origins = cors_origins(app)
    if origins:
        CORS(
            app,
            origins=origins,
            allow_headers=["Authorization", "Content-Type", "Idempotency-Key", "access-token"],
            expose_headers=["X-Request-ID", "Retry-After"],
        )
    proxies = app.config["TRUSTED_PROXIES"]
    if proxies:
        # X-Forwarded-Host is not taken: links and OAuth redirect URIs come from APP_URL, and a
        # client that reaches the port directly could set it (README, "Behind a proxy").
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_prefix=proxies)
