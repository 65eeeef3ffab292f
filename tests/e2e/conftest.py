"""Browser tests: the app as a subprocess on a free port, driven in Debian's Chromium."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.support.stand_in import StandIn, free_port

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = os.environ.get("WORKBENCH_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"
TEST_KEY = "sk-e2e-test-key-0123"


class App:
    def __init__(self, url: str, log: Path, process: subprocess.Popen[bytes]):
        self.url, self.log, self.process = url, log, process


def start_app(env_extra: dict[str, str], name: str) -> App:
    port = free_port()
    ARTIFACTS.mkdir(exist_ok=True)
    log = ARTIFACTS / f"streamlit-{name}.log"
    env = {**os.environ, **env_extra}
    cmd = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
           "--server.port", str(port), "--server.address", "127.0.0.1",
           "--browser.gatherUsageStats", "false"]  # fmt: skip
    with open(log, "wb") as out:
        process = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited early; see {log}:\n{log.read_text()[-2000:]}")
        try:
            if httpx.get(f"{url}/_stcore/health", timeout=1).text == "ok":
                return App(url, log, process)
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"streamlit did not become healthy; see {log}")


def stop_app(app: App) -> None:
    app.process.terminate()
    try:
        app.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        app.process.kill()


@pytest.fixture(scope="session")
def app(local_server, stand_in_server: StandIn) -> Iterator[App]:  # type: ignore[no-untyped-def]
    """The app, using the session's local model server and the stand-in as its Oxen."""
    a = start_app(
        {
            "WORKBENCH_LOCAL_PORT": str(local_server.port),
            "OXEN_BASE_URL": stand_in_server.base_url,
            "OXEN_API_KEY": TEST_KEY,
        },
        "main",
    )
    yield a
    stop_app(a)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is missing at {CHROMIUM}: run `make test` (it installs Debian's chromium).")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    pg = context.new_page()
    yield pg
    context.close()


def wait_idle(page: Page, timeout: float = 30_000) -> None:
    """Wait until the app's script run is over (never a sleep)."""
    page.wait_for_selector(IDLE, timeout=timeout)


def wait_answer(page: Page, index: int, timeout: float = 60_000) -> str:
    """Wait until chat message `index` is a finished answer (its metrics strip is drawn only when the
    stream is over), then until the app is idle; return its text. A bare idle wait can land in the
    gap between the streaming run and the rerun that follows it."""
    message = page.locator("[data-testid='stChatMessage']").nth(index)
    message.get_by_text("TTFT").wait_for(timeout=timeout)
    wait_idle(page, timeout)
    return message.inner_text()


def open_app(page: Page, url: str) -> None:
    page.goto(url)
    page.get_by_placeholder("Send a message").wait_for(timeout=60_000)
    wait_idle(page, 60_000)
