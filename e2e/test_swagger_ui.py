"""Swagger UI in a real browser: headless Chromium lists the operations and runs GET /events.

Not part of `make test`: it needs Debian's `chromium` and `chromium-driver`. `make e2e` installs
them when they are missing and runs this file. The app runs under gunicorn on a free port of
127.0.0.1, on a fresh SQLite database migrated and loaded with the demo catalogue; the browser
resolves no other host, so the check never leaves this machine.

On failure, a screenshot, the page's HTML, the browser console, the CSP violations and the
server log go to e2e/.artifacts/.
"""

import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.common.exceptions import (
    ElementClickInterceptedException,
    ElementNotInteractableException,
    NoSuchElementException,
    StaleElementReferenceException,
    TimeoutException,
    WebDriverException,
)
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = Path(__file__).resolve().parent / ".artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
    "--window-size=1280,1600",
    # Only loopback: the Google Fonts that Swagger UI links fail at once instead of hanging.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
)
SERVER_START_TIMEOUT = 30  # seconds for gunicorn to answer /health
WAIT = 20  # seconds for any one step of the page
# Operations that must be listed (data-path of each operation's summary).
KNOWN_PATHS = ("/events", "/events/{event_id}", "/register", "/login", "/refresh", "/health")
# Console errors that are not the page's fault (none today; add with the reason when needed).
KNOWN_JS_ERRORS = ()

# Installed before any script of the page runs: records every CSP violation the page hits.
CSP_RECORDER = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', function (e) {
  window.__cspViolations.push({
    directive: e.effectiveDirective || e.violatedDirective,
    blocked: e.blockedURI,
    source: e.sourceFile,
    line: e.lineNumber,
    column: e.columnNumber,
    sample: e.sample,
    disposition: e.disposition,
  });
}, true);
"""

# The GET /events operation (outer block, not the summary inside it) and the parts of it we use.
EVENTS_BLOCK = (
    "//div[contains(concat(' ', normalize-space(@class), ' '), ' opblock-get ')]"
    "[.//*[@data-path='/events']]"
)
EVENTS_SUMMARY = EVENTS_BLOCK + "//*[contains(concat(' ', @class, ' '), ' opblock-summary ')]"
TRY_IT_OUT = (
    EVENTS_BLOCK + "//button[contains(@class, 'try-out__btn') and not(contains(@class, 'cancel'))]"
)
EXECUTE = EVENTS_BLOCK + "//button[contains(concat(' ', @class, ' '), ' execute ')]"
LIVE_RESPONSES = EVENTS_BLOCK + "//table[contains(@class, 'live-responses-table')]"
LIVE_STATUS = LIVE_RESPONSES + "//tbody//td[contains(@class, 'response-col_status')]"
LIVE_BODY = LIVE_RESPONSES + "//div[contains(@class, 'highlight-code')]//pre"
REQUEST_URL = EVENTS_BLOCK + "//div[contains(@class, 'request-url')]//pre"

TRANSIENT = (
    NoSuchElementException,
    StaleElementReferenceException,
    ElementClickInterceptedException,
    ElementNotInteractableException,
)


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def http_status(port, path, timeout=2):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path)
        return conn.getresponse().status
    except (OSError, http.client.HTTPException):
        return None
    finally:
        conn.close()


def run_flask(env, *args):
    result = subprocess.run(  # noqa: S603  (our own interpreter, fixed arguments)
        [sys.executable, "-m", "flask", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if result.returncode != 0:
        pytest.fail(f"flask {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """gunicorn serving the app on a free port, on a migrated and seeded SQLite database."""
    workdir = tmp_path_factory.mktemp("e2e-server")
    env = dict(os.environ)
    env.update(
        APP_ENV="development",
        DATABASE_URL=f"sqlite:///{workdir / 'tapestry.db'}",
        FLASK_APP="main.py",
        MAIL_BACKGROUND_SENDER="false",
        RATELIMIT_ENABLED="false",
    )
    run_flask(env, "db", "upgrade")
    run_flask(env, "seed-demo")

    port = free_port()
    log_path = workdir / "gunicorn.log"
    with open(log_path, "w", encoding="utf-8") as log:
        process = subprocess.Popen(  # noqa: S603  (our own interpreter, fixed arguments)
            [
                sys.executable,
                "-m",
                "gunicorn",
                "main:app",
                "--config",
                "gunicorn.conf.py",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "2",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while http_status(port, "/health") != 200:
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"gunicorn did not come up:\n{log_path.read_text(encoding='utf-8')}")
            time.sleep(0.2)
        yield {"url": f"http://127.0.0.1:{port}", "log": log_path}
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


@pytest.fixture
def browser():
    """Headless Chromium driven by Debian's chromedriver, on a fresh profile."""
    for binary in (CHROMIUM, CHROMEDRIVER):
        if not os.access(binary, os.X_OK):
            pytest.fail(
                f"{binary} is missing: `make e2e` installs Debian's chromium and chromium-driver"
            )
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    with tempfile.TemporaryDirectory(prefix="e2e-chromium-", ignore_cleanup_errors=True) as profile:
        options.add_argument(f"--user-data-dir={profile}")
        service = Service(CHROMEDRIVER, log_output=os.path.join(profile, "chromedriver.log"))
        driver = webdriver.Chrome(options=options, service=service)
        try:
            driver.set_page_load_timeout(30)
            driver.execute_cdp_cmd(
                "Page.addScriptToEvaluateOnNewDocument", {"source": CSP_RECORDER}
            )
            driver.console = []  # browser log entries read so far (get_log empties the buffer)
            yield driver
        finally:
            driver.quit()


def read_console(driver):
    """Every browser console entry so far (kept on the driver: reading empties Chrome's buffer)."""
    # A driver without the log endpoint: only the CSP recorder is checked.
    with suppress(WebDriverException):
        driver.console.extend(driver.get_log("browser"))
    return driver.console


def csp_violations(driver):
    try:
        return driver.execute_script("return window.__cspViolations || [];")
    except WebDriverException:
        return []


def unexpected_console_errors(entries, base_url):
    """SEVERE entries other than failed loads from elsewhere (offline) and known errors."""
    errors = []
    for entry in entries:
        message = entry.get("message", "")
        if entry.get("level") != "SEVERE" or any(known in message for known in KNOWN_JS_ERRORS):
            continue
        if entry.get("source") == "network" and not message.startswith(base_url):
            continue
        errors.append(message)
    return errors


@contextmanager
def artifacts_on_failure(driver, server, name):
    """On any failure: screenshot, page, console, CSP violations and server log into .artifacts/."""
    try:
        yield
    except Exception as exc:
        ARTIFACTS.mkdir(exist_ok=True)
        stem = ARTIFACTS / f"{name}-{datetime.now(UTC):%Y%m%dT%H%M%SZ}"
        saved = []
        try:
            if driver.save_screenshot(f"{stem}.png"):
                saved.append(f"{stem}.png")
            Path(f"{stem}.html").write_text(driver.page_source, encoding="utf-8")
            saved.append(f"{stem}.html")
        except WebDriverException as err:
            saved.append(f"(no screenshot: {err.msg})")
        console, violations = read_console(driver), csp_violations(driver)
        report = {"console": console, "csp_violations": violations}
        Path(f"{stem}.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
        server_log = server["log"].read_text(encoding="utf-8")
        Path(f"{stem}-gunicorn.log").write_text(server_log, encoding="utf-8")
        saved += [f"{stem}.json", f"{stem}-gunicorn.log"]
        messages = "\n".join(f"  {e.get('level')} {e.get('message')}" for e in console)
        what = str(exc) if isinstance(exc, AssertionError) else f"{type(exc).__name__}: {exc}"
        raise AssertionError(
            f"{what}\n"
            f"CSP violations: {json.dumps(violations, indent=2)}\n"
            f"Browser console:\n{messages or '  (empty)'}\n"
            f"Artifacts: {', '.join(saved)}"
        ) from exc


def wait_until(driver, condition, what, timeout=WAIT):
    return WebDriverWait(driver, timeout, poll_frequency=0.2, ignored_exceptions=TRANSIENT).until(
        condition, f"waited {timeout}s for {what}"
    )


def visible_paths(driver):
    summaries = driver.find_elements(By.CSS_SELECTOR, ".opblock-summary-path[data-path]")
    return {el.get_attribute("data-path") for el in summaries if el.is_displayed()}


def click(driver, xpath, what):
    """Clicks the element once it is shown and enabled (retrying while something covers it)."""

    def attempt(d):
        element = d.find_element(By.XPATH, xpath)
        if not (element.is_displayed() and element.is_enabled()):
            return False
        d.execute_script("arguments[0].scrollIntoView({block: 'center'});", element)
        element.click()
        return True

    wait_until(driver, attempt, f"{what} to be clickable")


def text_of(driver, xpath):
    return driver.find_element(By.XPATH, xpath).get_attribute("textContent").strip()


def test_swagger_ui_lists_the_operations_and_runs_get_events(server, browser):
    base = server["url"]
    started = time.monotonic()
    with artifacts_on_failure(browser, server, "swagger_ui"):
        browser.get(base + "/")

        try:
            wait_until(browser, lambda d: set(KNOWN_PATHS) <= visible_paths(d), "operations")
        except TimeoutException:
            missing = sorted(set(KNOWN_PATHS) - visible_paths(browser))
            raise AssertionError(f"operations not listed: {missing}") from None
        shown = visible_paths(browser)
        for path in KNOWN_PATHS:
            assert path in shown, f"{path} is not listed"

        click(browser, EVENTS_SUMMARY, "the GET /events summary")
        click(browser, TRY_IT_OUT, '"Try it out" on GET /events')
        click(browser, EXECUTE, '"Execute" on GET /events')

        wait_until(browser, lambda d: text_of(d, LIVE_STATUS), "the live response of GET /events")
        status = text_of(browser, LIVE_STATUS)
        assert status == "200", f"live response code is {status!r}, not 200"
        request_url = text_of(browser, REQUEST_URL)
        assert request_url.startswith(f"{base}/events"), f"request went to {request_url!r}"
        body = text_of(browser, LIVE_BODY)
        assert '"events"' in body, f"response body has no events: {body[:500]!r}"
        page = json.loads(body)
        assert isinstance(page["events"], list) and page["events"], "the demo events are missing"

        violations = csp_violations(browser)
        assert violations == [], f"Content-Security-Policy violations: {violations}"
        console = read_console(browser)
        csp_messages = [e["message"] for e in console if "Content Security Policy" in e["message"]]
        assert csp_messages == [], f"CSP errors in the console: {csp_messages}"
        errors = unexpected_console_errors(console, base)
        assert errors == [], f"errors in the browser console: {errors}"

    assert time.monotonic() - started < 60, "the browser check took over a minute"
