"""`natskit dashboard` in a real browser: Debian's headless chromium, driven by Selenium through
chromium-driver, against a nats-server of the test's own. The page must show the queue's
numbers and its failed job; clicking Retry must take the job out of the failed list and put it
back on its queue. Screenshots go to target/dashboard/."""

import json
import os
import pathlib
import shutil
import socket
import subprocess
import tempfile
import time

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

ROOT = pathlib.Path(__file__).resolve().parents[2]
TARGET = pathlib.Path(os.environ.get("CARGO_TARGET_DIR") or ROOT / "target")
NATSKIT = TARGET / "debug" / "natskit"
ARTIFACTS = TARGET / "dashboard"
WAIT = 15


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def nats_url():
    store = tempfile.mkdtemp(prefix="natskit-dashboard-")
    port = free_port()
    server = subprocess.Popen(
        [os.environ["NATS_SERVER_BIN"], "-a", "127.0.0.1", "-p", str(port), "-js", "-sd", store],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            assert time.monotonic() < deadline, "nats-server did not start"
            time.sleep(0.05)
    yield f"nats://127.0.0.1:{port}"
    server.terminate()
    server.wait(10)
    shutil.rmtree(store, ignore_errors=True)


def natskit_env(url: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not (k.startswith("NATS_") or k.startswith("NATSKIT_"))}
    env["NATS_URL"] = url
    return env


def natskit(url: str, *args: str) -> str:
    done = subprocess.run([str(NATSKIT), *args], env=natskit_env(url), capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, f"natskit {' '.join(args)}: {done.stderr}"
    return done.stdout


@pytest.fixture
def dashboard(nats_url):
    """Starts `natskit dashboard` on a free port when called; returns its URL."""
    started = []

    def start(*extra: str) -> str:
        process = subprocess.Popen(
            [str(NATSKIT), "--json", "dashboard", "--listen", "127.0.0.1:0", "--interval", "300ms", *extra],
            env=natskit_env(nats_url),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        started.append(process)
        first = process.stdout.readline()
        assert first, f"the dashboard did not start: {process.stderr.read()}"
        return json.loads(first)["url"]

    yield start
    for process in started:
        process.terminate()
        assert process.wait(10) == 0, "SIGTERM stops the dashboard cleanly"


@pytest.fixture
def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,1500"):
        options.add_argument(arg)
    service = Service(executable_path=shutil.which("chromedriver") or "/usr/bin/chromedriver")
    driver = webdriver.Chrome(options=options, service=service)
    yield driver
    driver.quit()


def cell(driver, row_selector: str, field: str) -> str:
    rows = driver.find_elements(By.CSS_SELECTOR, row_selector)
    return rows[0].find_element(By.CSS_SELECTOR, f'[data-field="{field}"]').text if rows else ""


def shows(driver, row_selector: str, expected: dict) -> bool:
    return all(cell(driver, row_selector, k) == v for k, v in expected.items())


def test_the_page_shows_the_queue_and_its_failed_job_and_retry_puts_it_back(nats_url, dashboard, browser):
    for n in range(3):
        natskit(nats_url, "queue", "push", "mail", "SendMail", f'{{"n": {n}}}')
    natskit(nats_url, "queue", "work", "mail", "--exec", "echo 'mailbox full' >&2; exit 3", "--once", "--tries", "1")
    [failed] = json.loads(natskit(nats_url, "--json", "queue", "failed"))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    browser.get(dashboard())
    wait = WebDriverWait(browser, WAIT)
    mail = 'tr[data-queue="mail"]'
    wait.until(lambda d: shows(d, mail, {"ready": "2", "reserved": "0", "delayed": "0", "failed": "1"}))
    assert "SendMail" in cell(browser, mail, "oldest")
    job = f'tr[data-failed-id="{failed["id"]}"]'
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, job))
    assert cell(browser, job, "queue") == "mail"
    assert cell(browser, job, "job") == "SendMail"
    assert cell(browser, job, "exception") == "CommandFailed"
    assert "mailbox full" in browser.find_element(By.CSS_SELECTOR, f'{job} [data-field="message"]').get_attribute("textContent")
    assert browser.find_element(By.ID, "live").text == "live"
    assert browser.find_element(By.CSS_SELECTOR, 'tr[data-stream="NATSKIT_JOBS"]'), "the queue stream is listed"
    browser.save_screenshot(str(ARTIFACTS / "dashboard-failed-job.png"))

    browser.find_element(By.CSS_SELECTOR, f'{job} button[data-action="retry"]').click()
    wait.until(lambda d: not d.find_elements(By.CSS_SELECTOR, job))
    wait.until(lambda d: shows(d, mail, {"ready": "3", "failed": "0"}))
    assert f"Retried job {failed['id']}" in browser.find_element(By.ID, "flash").text
    assert browser.find_element(By.ID, "failed-empty").is_displayed()

    natskit(nats_url, "queue", "work", "mail", "--exec", "cat >/dev/null", "--stop-when-empty", "--sleep", "0.2")
    wait.until(lambda d: shows(d, mail, {"ready": "0", "finished": "3", "failure_rate": "0.0%"}))
    assert browser.find_elements(By.CSS_SELECTOR, "#chart-finished rect.bar"), "the throughput chart has a bar"
    assert not browser.find_elements(By.CSS_SELECTOR, "#chart-failed rect.bar"), "no failure since the start"
    browser.save_screenshot(str(ARTIFACTS / "dashboard.png"))


def test_a_read_only_page_shows_failed_jobs_without_actions(nats_url, dashboard, browser):
    natskit(nats_url, "queue", "push", "mail", "SendMail", "{}")
    natskit(nats_url, "queue", "work", "mail", "--exec", "exit 3", "--once", "--tries", "1")
    [failed] = json.loads(natskit(nats_url, "--json", "queue", "failed"))

    browser.get(dashboard("--read-only"))
    wait = WebDriverWait(browser, WAIT)
    job = f'tr[data-failed-id="{failed["id"]}"]'
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, job))
    assert browser.find_element(By.ID, "read-only").is_displayed()
    assert not browser.find_elements(By.CSS_SELECTOR, "#failed button"), "no retry or forget buttons"
    assert not browser.find_element(By.CSS_SELECTOR, "#failed th.actions").is_displayed()
