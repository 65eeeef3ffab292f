"""Batch in Chromium against the recording stand-in: upload a CSV, map a variable, run the sample and see
its estimate, run all and watch the progress bar move; close the tab mid-run, reopen Batch in a new tab,
the run is still going; at its end, Download CSV holds every row. Every wait is for a state of the page."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.support.browser import App, start_app, stop_app, wait_idle
from tests.support.environment import app_vars
from tests.support.stand_in import Behaviour, StandIn, free_port

KEY = "sk-e2e-batch-key"
TIMEOUT = 90_000  # ms: a loaded 2-core machine
ROWS = 120
PROGRESS = ".st-key-batch-live [data-testid='stProgress']"


@pytest.fixture(scope="module")
def server() -> Iterator[StandIn]:
    s = StandIn().start()
    yield s
    s.stop()


@pytest.fixture(scope="module")
def batch_app(server: StandIn, tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    home = tmp_path_factory.mktemp("batch-home")
    env = {**app_vars(free_port(), server.base_url, KEY), "WORKBENCH_HOME": str(home), "WORKBENCH_DATABASE_URL": ""}
    a = start_app(env, "batch")
    yield a
    stop_app(a)


def open_batch(page: Page, app: App) -> None:
    page.goto(f"{app.url}/batch?{urlencode({'provider': 'oxen', 'model': 'gpt-oss-120b'})}")
    expect(page.get_by_role("heading", name="Batch")).to_be_visible(timeout=TIMEOUT)
    wait_idle(page, TIMEOUT)


def done_count(page: Page) -> int:
    text = page.locator(PROGRESS).inner_text()
    found = re.search(r"(\d[\d,]*) / ([\d,]+) done", text)
    assert found, text
    return int(found.group(1).replace(",", ""))


def test_upload_map_sample_run_all_survive_a_closed_tab_and_download(
    browser: Browser, batch_app: App, server: StandIn, tmp_path: Path
) -> None:
    server.reset()
    server.default = Behaviour(first_token_delay=0.2)
    data = tmp_path / "cities.csv"
    data.write_text("city,country\n" + "".join(f"City{i},Country{i}\n" for i in range(ROWS)))

    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    open_batch(page, batch_app)
    page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(str(data))
    expect(page.get_by_text(f"{ROWS} rows · columns:")).to_be_visible(timeout=TIMEOUT)
    template = page.get_by_role("textbox", name="Prompt template")
    template.fill("Describe {{place}} briefly")
    template.press("Control+Enter")
    wait_idle(page, TIMEOUT)
    # {{place}} is no column's name: map it to `city`.
    page.get_by_label("{{place}}").click()
    page.get_by_role("option", name="city", exact=True).click()
    wait_idle(page, TIMEOUT)
    page.get_by_role("spinbutton", name="Concurrency 1").fill("2")
    page.get_by_role("spinbutton", name="Concurrency 1").press("Enter")
    wait_idle(page, TIMEOUT)

    page.get_by_role("button", name="Run sample").click()
    sample = page.locator(".st-key-batch-sample")
    expect(sample).to_be_visible(timeout=TIMEOUT)
    expect(sample).to_contain_text("You said: Describe City0 briefly", timeout=TIMEOUT)
    expect(sample.locator("[data-testid='stMetric']").filter(has_text="Requests")).to_contain_text(str(ROWS))
    expect(sample.locator("[data-testid='stMetric']").filter(has_text="Estimated time")).not_to_contain_text("unknown")
    expect(sample.locator("[data-testid='stMetric']").filter(has_text="Estimated cost")).to_be_visible()

    page.get_by_role("button", name="Run all").click()
    bar = page.locator(PROGRESS)
    expect(bar).to_contain_text(re.compile(rf"^\s*[1-9]\d* / {ROWS} done"), timeout=TIMEOUT)
    first = bar.inner_text()
    expect(bar).not_to_have_text(first, timeout=TIMEOUT)  # it moves
    assert done_count(page) < ROWS

    server.default = Behaviour(first_token_delay=0.6)  # slower while no tab is open: still going on reopen
    seen = done_count(page)
    page.close()  # the tab closes mid-run

    again = context.new_page()  # a new tab: a new session
    open_batch(again, batch_app)
    live = again.locator(".st-key-batch-live")
    expect(live).to_contain_text("Running", timeout=TIMEOUT)
    bar = again.locator(PROGRESS)
    expect(bar).to_contain_text(re.compile(rf"\d+ / {ROWS} done"), timeout=TIMEOUT)
    reopened = bar.inner_text()
    assert done_count(again) >= seen and done_count(again) < ROWS
    expect(bar).not_to_have_text(reopened, timeout=TIMEOUT)  # still moving, with no tab watching before

    server.default = Behaviour()
    expect(live).to_contain_text("Done", timeout=TIMEOUT)
    expect(again.locator(PROGRESS)).to_contain_text(f"{ROWS} / {ROWS} done · 0 failed", timeout=TIMEOUT)
    wait_idle(again, TIMEOUT)
    with again.expect_download(timeout=TIMEOUT) as download:
        again.get_by_role("button", name="Download CSV").click()
    rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text())))
    assert sorted(int(r["row"]) for r in rows) == list(range(ROWS))
    assert {r["output"] for r in rows} == {f"You said: Describe City{i} briefly" for i in range(ROWS)}
    # Every row was sent once: the sample's rows were not sent again by Run all.
    sent = [r.json()["messages"][-1]["content"] for r in server.chat_requests()]
    assert sorted(sent) == sorted(f"Describe City{i} briefly" for i in range(ROWS))
    context.close()
