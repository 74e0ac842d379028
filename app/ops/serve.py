"""Production serving: nginx in front of gunicorn, `python -m app.ops.serve` (make
serve-production).

gunicorn's sync workers need a buffering proxy (gunicorn's own deployment docs): a client that
sends slowly holds a worker for as long as it takes. nginx reads every request whole before it
passes it on, over a unix socket, to gunicorn (gunicorn.conf.py); see deploy/nginx.conf.template.
This launcher renders that template, starts gunicorn, waits for its socket, starts nginx in the
foreground, forwards SIGTERM/SIGINT to both, and exits when either exits.
"""

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from config import BASE_DIR, Config

TEMPLATE = BASE_DIR / "deploy" / "nginx.conf.template"
SOCKET_WAIT_SECONDS = 120  # gunicorn binds before it loads the app; a loaded machine is slow
STOP_WAIT_SECONDS = 30  # above gunicorn's graceful_timeout (20 s)
NGINX_TEMP_DIRS = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")


class ServeError(Exception):
    """A reason the production server cannot start, told to the operator in one line."""


def find_nginx():
    path = shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)), None
    )
    if not path:
        raise ServeError(
            "nginx is not installed (production serving runs gunicorn behind nginx): install it, "
            "e.g. `apt-get install nginx-light`, or run the development server with `make run`."
        )
    return path


def render_config(runtime, listen, upstream_socket):
    # As root, nginx's workers would run as `nobody`, who may not reach the socket in the clone;
    # run the service as an unprivileged user (systemd User=) and they run as that user.
    user = "user root;" if os.geteuid() == 0 else ""
    text = TEMPLATE.read_text()
    for placeholder, value in {
        "@LISTEN@": listen,
        "@UPSTREAM@": f"unix:{upstream_socket}",
        "@RUNTIME@": str(runtime),
        "@USER@": user,
    }.items():
        text = text.replace(placeholder, value)
    path = runtime / "nginx.conf"
    path.write_text(text)
    return path


def prepare_runtime(runtime):
    runtime.mkdir(parents=True, exist_ok=True)
    for name in NGINX_TEMP_DIRS:
        (runtime / name).mkdir(exist_ok=True)
    socket_path = runtime / "gunicorn.sock"
    socket_path.unlink(missing_ok=True)  # left by a killed run; gunicorn would refuse to bind
    return socket_path


def gunicorn_env(socket_path):
    """gunicorn on the socket; the app trusts nginx's X-Forwarded-* (one hop, or as many as
    TRUSTED_PROXIES says when a load balancer stands in front of nginx)."""
    trusted = max(Config.TRUSTED_PROXIES, 1)
    return {**os.environ, "GUNICORN_BIND": f"unix:{socket_path}", "TRUSTED_PROXIES": str(trusted)}


def start_gunicorn(socket_path):
    # From the project directory, so that gunicorn reads gunicorn.conf.py.
    command = [sys.executable, "-m", "gunicorn", "main:app"]
    env = gunicorn_env(socket_path)
    # Its own process group, like nginx's: a SIGKILL of last resort reaches its workers too.
    return subprocess.Popen(command, cwd=BASE_DIR, env=env, start_new_session=True)  # noqa: S603


def wait_for_socket(socket_path, gunicorn):
    deadline = time.monotonic() + SOCKET_WAIT_SECONDS
    while time.monotonic() < deadline:
        if gunicorn.poll() is not None:
            raise ServeError(f"gunicorn exited with status {gunicorn.returncode} before binding")
        if socket_path.is_socket():
            return
        time.sleep(0.1)
    raise ServeError(f"gunicorn did not bind {socket_path} within {SOCKET_WAIT_SECONDS} s")


def start_nginx(nginx, runtime, conf):
    command = [nginx, "-g", "daemon off;", "-p", str(runtime), "-c", str(conf)]
    command += ["-e", str(runtime / "nginx-error.log")]  # not /var/log/nginx, even at start-up
    return subprocess.Popen(command, cwd=runtime, start_new_session=True)  # noqa: S603


def stop(processes):
    """SIGTERM to every live process (gunicorn: graceful; nginx: fast), then SIGKILL to the
    process group of any that is still there after STOP_WAIT_SECONDS (a master killed alone
    would leave its workers holding the port)."""
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + STOP_WAIT_SECONDS
    for process in processes:
        try:
            process.wait(timeout=max(deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def supervise(processes):
    """Until a signal comes or a process exits; returns the exit status to leave with."""
    received = []
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda number, _frame: received.append(number))
    while not received:  # runs as long as the server does: ended by a signal or an exit
        exited = [p for p in processes if p.poll() is not None]
        if exited:
            print(f"serve: {exited[0].args[0]} exited ({exited[0].returncode})", file=sys.stderr)
            stop(processes)
            return exited[0].returncode or 1
        time.sleep(0.2)
    stop(processes)
    return 0


def interrupt(_number, _frame):
    raise KeyboardInterrupt  # a SIGTERM during start-up stops what was started, as Ctrl-C does


def serve():
    signal.signal(signal.SIGTERM, interrupt)
    nginx = find_nginx()
    listen = Config.SERVE_BIND  # host:port, [v6]:port or a port, as nginx takes it
    runtime = Path(Config.SERVE_RUNTIME_DIR).resolve()
    socket_path = prepare_runtime(runtime)
    conf = render_config(runtime, listen, socket_path)
    processes = [start_gunicorn(socket_path)]
    try:
        wait_for_socket(socket_path, processes[0])
        processes.append(start_nginx(nginx, runtime, conf))
    except BaseException:
        stop(processes)
        raise
    print(f"serve: nginx on {listen} -> gunicorn on {socket_path}", file=sys.stderr)
    return supervise(processes)


def main():
    try:
        sys.exit(serve())
    except ServeError as error:
        print(f"serve: {error}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
