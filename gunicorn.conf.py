"""gunicorn settings: `gunicorn main:app` reads this file. Each value can be overridden by env."""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Sync workers: each request holds one worker; the app never blocks on mail or providers long.
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", 1))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
graceful_timeout = 20
keepalive = 5
# Recycle workers now and then so a slow leak can never grow without bound.
max_requests = 2000
max_requests_jitter = 200
accesslog = None  # the app logs one structured line per request itself (logger app.access)
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# On a unix socket gunicorn is behind the local nginx (python -m app.ops.serve), whose limits
# (8 KB lines, 32 KB of headers) are the ones met: gunicorn's largest values (8190 is the most
# limit_request_line takes) so that it never answers its own HTML errors to what nginx let
# through. On TCP, gunicorn's defaults.
_behind_nginx = bind.startswith("unix:")
limit_request_line = int(
    os.environ.get("GUNICORN_LIMIT_REQUEST_LINE", 8190 if _behind_nginx else 4094)
)
limit_request_field_size = int(os.environ.get("GUNICORN_LIMIT_REQUEST_FIELD_SIZE", 8190))
limit_request_fields = int(
    os.environ.get("GUNICORN_LIMIT_REQUEST_FIELDS", 32768 if _behind_nginx else 100)
)
# Honour X-Forwarded-* only from these addresses (the load balancer); TRUSTED_PROXIES in the app.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def post_worker_init(worker):
    """Each worker starts its email sender once it has loaded the app, before any request: after
    a restart or a recycled worker, queued mail goes out at once. (Here, in the worker: a thread
    started in the master before the fork would not exist in the workers.)"""
    from app.email import start_background_sender

    if hasattr(worker.wsgi, "config"):  # the Flask app (main:app)
        start_background_sender(worker.wsgi)


def worker_exit(server, worker):
    """A worker leaving cleanly (max_requests, a reload) lets its sender finish the message in
    hand, so that no claim waits for its lease to run out."""
    from app.email import stop_background_sender

    stop_background_sender(timeout=5)
