"""The cURL tab's code, copied with its copy button, runs in bash and gets an answer from the local model."""

from __future__ import annotations

import subprocess

from playwright.sync_api import Page, expect

from lib.snippets import LANGUAGES
from tests.support.browser import ARTIFACTS, App, open_app, send, wait_answer


def test_curl_tab_code_runs_against_local_model(app: App, page: Page) -> None:
    open_app(page, app.url)
    send(page, "Name one fruit.")
    wait_answer(page, 1)
    panel = page.locator(".st-key-api-call")
    labels = [lang.label for lang, _ in LANGUAGES.values()]
    assert labels[:2] == ["cURL", "Python"]  # the UI contract: these two first
    expect(panel.get_by_role("tab")).to_have_text(labels)
    panel.get_by_role("tab", name="cURL").click()
    block = panel.locator("[data-testid='stCode']").first
    block.hover()
    block.get_by_role("button", name="Copy to clipboard").click()  # st.code's own copy button
    code = page.evaluate("navigator.clipboard.readText()")
    assert code.startswith("curl -N -X POST")
    assert "Name one fruit." in code
    page.screenshot(path=str(ARTIFACTS / "playground-api-call.png"), full_page=True)
    done = subprocess.run(["bash", "-c", code], capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr
    assert "chat.completion.chunk" in done.stdout
    assert '"content"' in done.stdout
