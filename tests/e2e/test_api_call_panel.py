"""The cURL tab's code, copied with its copy button, runs in bash and gets an answer from the local model."""

from __future__ import annotations

import subprocess

from playwright.sync_api import Page

from tests.e2e.conftest import ARTIFACTS, App, open_app, wait_answer


def test_curl_tab_code_runs_against_local_model(app: App, page: Page) -> None:
    open_app(page, app.url)
    box = page.get_by_placeholder("Send a message")
    box.fill("Name one fruit.")
    box.press("Enter")
    wait_answer(page, 1)
    panel = page.locator(".st-key-api-call")
    tabs = [t.inner_text() for t in panel.get_by_role("tab").all()]
    assert tabs[:2] == ["cURL", "Python"]
    panel.get_by_role("tab", name="cURL").click()
    block = panel.locator("[data-testid='stCode']").first
    block.hover()
    block.get_by_role("button", name="Copy to clipboard").click()  # st.code's own copy button
    code = page.evaluate("navigator.clipboard.readText()")
    assert code.startswith("curl -N -X POST") and "Name one fruit." in code
    page.screenshot(path=str(ARTIFACTS / "playground-api-call.png"), full_page=True)
    done = subprocess.run(["bash", "-c", code], capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr
    assert "chat.completion.chunk" in done.stdout and '"content"' in done.stdout
