"""The app in a real Chromium: start it as a subprocess on a free port, open it, send a message, wait
for an answer. Waits use Playwright's auto-retrying `expect()` and the app's own idle marker, never
sleeps. Also used by bench/ and scripts/ (through tests/e2e/conftest.py)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
from playwright.sync_api import Locator, Page, expect

from tests.support.stand_in import free_port

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
MESSAGES = "[data-testid='stChatMessage']"


class App:
    def __init__(self, url: str, log: Path, process: subprocess.Popen[bytes]):
        self.url, self.log, self.process = url, log, process


def start_app(env_extra: dict[str, str], name: str, root: Path = ROOT, address: str = "127.0.0.1") -> App:
    """`streamlit run app.py` on a free port with this environment plus `env_extra`, once healthy
    (`root`: another checkout of the app, e.g. the one a benchmark compares against; `address`:
    where it listens, 0.0.0.0 for a shared app)."""
    port = free_port()
    ARTIFACTS.mkdir(exist_ok=True)
    log = ARTIFACTS / f"streamlit-{name}.log"
    env = {**os.environ, **env_extra}
    cmd = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
           "--server.port", str(port), "--server.address", address,
           "--browser.gatherUsageStats", "false"]  # fmt: skip
    with open(log, "wb") as out:
        process = subprocess.Popen(cmd, cwd=root, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    # One client: httpx.get builds one (and an SSL context) per call, ~50 ms of CPU taken from the start.
    with httpx.Client(timeout=1) as poll:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"streamlit exited early; see {log}:\n{log.read_text()[-2000:]}")
            try:
                if poll.get(f"{url}/_stcore/health").text == "ok":
                    return App(url, log, process)
            except httpx.TransportError:
                pass
            time.sleep(0.1)  # polling a process that is starting, not hiding a race
    process.kill()
    raise RuntimeError(f"streamlit did not become healthy; see {log}")


def stop_app(app: App) -> None:
    app.process.terminate()
    try:
        app.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        app.process.kill()


def wait_idle(page: Page, timeout: float = 30_000) -> None:
    """Wait until the app's script run is over (never a sleep)."""
    expect(page.locator(IDLE)).to_be_visible(timeout=timeout)


def open_app(page: Page, url: str) -> None:
    page.goto(url)
    expect(page.get_by_placeholder("Send a message")).to_be_visible(timeout=60_000)
    wait_idle(page, 60_000)


def send(page: Page, text: str) -> None:
    """Type `text` in the chat input and press Enter."""
    box = page.get_by_placeholder("Send a message")
    box.fill(text)
    box.press("Enter")


def message(page: Page, index: int) -> Locator:
    """Chat message `index` (0: the first on the page)."""
    return page.locator(MESSAGES).nth(index)


def wait_answer(page: Page, index: int, timeout: float = 60_000) -> Locator:
    """Wait until chat message `index` is a finished answer (its metrics strip is drawn only when the
    stream is over), then until the app is idle; return it. A bare idle wait can land in the gap
    between the streaming run and the rerun that follows it."""
    answer = message(page, index)
    expect(answer.get_by_text("TTFT")).to_be_visible(timeout=timeout)
    wait_idle(page, timeout)
    return answer


def words(*tokens: str) -> re.Pattern[str]:
    """A pattern matching these whole words in order (`w30` but not `w300`)."""
    return re.compile(r"\b" + r"\b.*\b".join(map(re.escape, tokens)) + r"\b", re.S)


_RECORD = """
(selector) => {
  window.__lengths = [];
  const seen = () => {
    const nodes = document.querySelectorAll(selector);
    const last = nodes[nodes.length - 1];
    const n = last ? last.innerText.length : 0;
    if (window.__lengths[window.__lengths.length - 1] !== n) window.__lengths.push(n);
  };
  new MutationObserver(seen).observe(document.body, {subtree: true, childList: true, characterData: true});
}
"""


def record_text_lengths(page: Page, selector: str) -> None:
    """Start recording every distinct text length of the last element matching `selector` (a
    MutationObserver: what the page showed over time, without sleeps)."""
    page.evaluate(_RECORD, selector)


def recorded_lengths(page: Page) -> list[int]:
    return list(page.evaluate("window.__lengths"))


# Whether the last line of the last chat message is on screen: at least half of it inside the window
# and inside every box around it that clips (a chat scrolls in its own box, easing towards its
# bottom as text arrives, so the line being written may be a few pixels short of whole).
NEWEST_IN_VIEW = """
(scope) => {
  // `scope`: a selector of the element whose newest chat message is checked (the whole page when
  // none is given), e.g. one Compare pane's box.
  const root = scope ? document.querySelector(scope) : document;
  if (!root) return false;
  const all = root.querySelectorAll("[data-testid='stChatMessage']");
  const last = all[all.length - 1];
  if (!last) return false;
  const walk = document.createTreeWalker(last, NodeFilter.SHOW_TEXT);
  let node = null;
  for (let n = walk.nextNode(); n; n = walk.nextNode()) if (n.textContent.trim()) node = n;
  if (!node) return false;
  const range = document.createRange();
  range.selectNodeContents(node);
  const rects = range.getClientRects();
  const r = rects[rects.length - 1];
  if (!r || !r.height) return false;
  let top = Math.max(r.top, 0), bottom = Math.min(r.bottom, window.innerHeight);
  for (let e = node.parentElement; e; e = e.parentElement) {
    if (!/(auto|scroll|hidden|clip)/.test(getComputedStyle(e).overflowY)) continue;
    const box = e.getBoundingClientRect();
    top = Math.max(top, box.top);
    bottom = Math.min(bottom, box.bottom);
  }
  return bottom - top >= r.height / 2;
}
"""
