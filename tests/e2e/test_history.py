"""History in a real Chromium, the app as a real process on the stand-in's Oxen, each app with a data
folder (or a PostgreSQL database) of its own: a conversation survives a reload; History's search
finds a word of the third message; "Reopen in Playground" continues it; "Fork from here" makes a
new one; a kill -9 mid-answer leaves the partial answer in History marked interrupted; two app
processes on one PostgreSQL see each other's conversations. Every wait is on a state, never a time."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from lib.store import LOCAL_OWNER, open_store
from tests.e2e.conftest import TEST_KEY
from tests.support.browser import MESSAGES, App, message, open_app, send, start_app, stop_app, wait_answer, wait_idle
from tests.support.environment import app_vars
from tests.support.postgres import PostgresCluster
from tests.support.stand_in import Behaviour, StandIn, free_port

OXEN = "provider=oxen&model=gpt-oss-120b"
CONVERSATION_URL = re.compile(r"[?&]c=([A-Za-z0-9_-]{22})(?:&|$)")


def app_env(stand_in: StandIn, **extra: str) -> dict[str, str]:
    """The app on the stand-in's Oxen; no local model is needed (nothing listens on its port)."""
    return {**app_vars(free_port(), stand_in.base_url, TEST_KEY), **extra}


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("history-home")


@pytest.fixture(scope="module")
def history_app(stand_in_server: StandIn, home: Path) -> Iterator[App]:
    """One app for this module's browser tests, with a SQLite history of its own."""
    app = start_app(app_env(stand_in_server, WORKBENCH_HOME=str(home), WORKBENCH_DATABASE_URL=""), "history")
    yield app
    stop_app(app)


def playground(page: Page, app: App) -> None:
    open_app(page, f"{app.url}/?{OXEN}")


def history(page: Page, app: App) -> None:
    """The History page, in a new session (the deep link keeps the sidebar on the stand-in)."""
    page.goto(f"{app.url}/history?{OXEN}")
    expect(page.get_by_label("Search history")).to_be_visible(timeout=60_000)
    wait_idle(page, 60_000)


def chat(page: Page, *questions: str) -> str:
    """Send each question and wait for its answer; the conversation id from the address bar."""
    for question in questions:
        index = page.locator(MESSAGES).count()
        send(page, question)
        wait_answer(page, index + 1)
    expect(page).to_have_url(CONVERSATION_URL, timeout=30_000)
    found = CONVERSATION_URL.search(page.url)
    assert found
    return found.group(1)


def test_a_reload_brings_the_conversation_back(history_app: App, page: Page, stand_in: StandIn) -> None:
    playground(page, history_app)
    cid = chat(page, "reload alpha", "reload beta")
    page.reload()
    expect(page.locator(MESSAGES)).to_have_count(4, timeout=60_000)
    wait_idle(page, 60_000)
    expect(message(page, 0)).to_contain_text("reload alpha")
    expect(message(page, 2)).to_contain_text("reload beta")
    expect(message(page, 3)).to_contain_text("TTFT")  # the answer with its metrics
    assert chat(page, "reload gamma") == cid  # it goes on in the same conversation
    expect(message(page, 5)).to_contain_text("reload gamma")


def test_search_finds_the_third_message_and_reopen_continues_it(
    history_app: App, page: Page, stand_in: StandIn
) -> None:
    playground(page, history_app)
    cid = chat(page, "search first", "search second", "search third quetzalcoatl")
    history(page, history_app)
    page.get_by_label("Search history").fill("quetzalcoatl")
    page.get_by_label("Search history").press("Enter")
    table = page.locator(".st-key-history-table")
    expect(table.get_by_role("button", name="search first")).to_be_visible(timeout=30_000)
    expect(table.get_by_role("button", name="reload alpha")).to_have_count(0)
    table.get_by_role("button", name="search first").click()
    expect(page.get_by_role("button", name="Reopen in Playground")).to_be_visible(timeout=30_000)
    expect(page.locator(MESSAGES)).to_have_count(6)
    page.get_by_role("button", name="Reopen in Playground").click()
    expect(page.get_by_placeholder("Send a message")).to_be_visible(timeout=60_000)
    expect(page.locator(MESSAGES)).to_have_count(6, timeout=60_000)
    wait_idle(page, 60_000)
    assert chat(page, "search fourth") == cid
    expect(message(page, 7)).to_contain_text("search fourth")


def download(page: Page, label: str) -> str:
    """Click the download button `label`; the text of the file the browser received."""
    with page.expect_download(timeout=60_000) as got:
        page.get_by_role("button", name=label).click()
    path = got.value.path()
    return Path(path).read_text()


def test_exports_download_and_the_python_one_replays_the_request(
    history_app: App, page: Page, stand_in: StandIn
) -> None:
    playground(page, history_app)
    cid = chat(page, "export me please", "and this too")
    history(page, history_app)
    table = page.locator(".st-key-history-table")
    table.locator(f".st-key-history-select-{cid} label").click()
    expect(page.get_by_role("button", name="Delete selected (1)")).to_be_enabled(timeout=30_000)
    wait_idle(page)
    lines = download(page, "Export selected (JSONL)").splitlines()
    assert len(lines) == 1 and json.loads(lines[0])["id"] == cid
    table.get_by_role("button", name="export me please").click()
    expect(page.get_by_role("button", name="Reopen in Playground")).to_be_visible(timeout=30_000)
    wait_idle(page)
    markdown = download(page, "Export Markdown")
    assert "# export me please" in markdown and "and this too" in markdown and "**TTFT**" in markdown
    exported = json.loads(download(page, "Export JSON"))
    assert [m["content"] for m in exported["messages"] if m["role"] == "user"] == ["export me please", "and this too"]
    script = download(page, "Export Python")
    assert TEST_KEY not in markdown + json.dumps(exported) + script  # the key is read from its variable
    stand_in.requests.clear()
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "OXEN_API_KEY": TEST_KEY})  # fmt: skip
    assert done.returncode == 0, done.stderr
    [replayed] = stand_in.chat_requests()
    first_answer = exported["messages"][1]["content"]
    assert [m["content"] for m in replayed.json()["messages"]] == ["export me please", first_answer, "and this too"]


def test_a_stopped_answer_is_kept_as_stopped(history_app: App, page: Page, home: Path, stand_in: StandIn) -> None:
    stand_in.then(Behaviour(tokens=[f"s{i} " for i in range(400)], token_interval=0.02))  # 8 s of words
    playground(page, history_app)
    send(page, "stop me midway")
    answer = message(page, 1)
    expect(answer.get_by_test_id("stMarkdownContainer").first).to_contain_text(re.compile(r"\bs30\b"))
    page.get_by_role("button", name="Stop", exact=True).click()
    expect(answer.get_by_text("Stopped: the answer above is what arrived before Stop.")).to_be_visible()
    wait_idle(page)
    cid = CONVERSATION_URL.search(page.url)
    assert cid
    store = open_store(f"sqlite:///{home / 'workbench.db'}", interrupt=False)
    try:
        run = store.thread(LOCAL_OWNER, cid.group(1))[-1]
    finally:
        store.close()
    assert run.status == "stopped" and run.content.startswith("s0 s1 s2 ") and "s399" not in run.content
    assert run.metrics.ttft is not None  # the metrics of what arrived


def test_fork_from_here_makes_a_new_conversation(history_app: App, page: Page, home: Path, stand_in: StandIn) -> None:
    playground(page, history_app)
    cid = chat(page, "fork origin one", "fork origin two")
    history(page, history_app)
    page.locator(".st-key-history-table").get_by_role("button", name="fork origin one").click()
    first_answer = page.locator(".st-key-history-msg-1")
    expect(first_answer).to_contain_text("TTFT", timeout=30_000)
    first_answer.get_by_role("button", name="Fork from here").click()
    expect(page.get_by_placeholder("Send a message")).to_be_visible(timeout=60_000)
    expect(page.locator(MESSAGES)).to_have_count(2, timeout=60_000)
    wait_idle(page, 60_000)
    fork = chat(page, "fork branch question")
    assert fork != cid
    store = open_store(f"sqlite:///{home / 'workbench.db'}", interrupt=False)
    try:
        assert [m.content for m in store.thread(LOCAL_OWNER, fork) if m.role == "user"] == [
            "fork origin one", "fork branch question"]  # fmt: skip
        assert [m.content for m in store.thread(LOCAL_OWNER, cid) if m.role == "user"] == [
            "fork origin one", "fork origin two"]  # fmt: skip
    finally:
        store.close()


def test_a_kill_mid_answer_leaves_the_partial_answer_marked_interrupted(
    page: Page, stand_in: StandIn, tmp_path: Path
) -> None:
    env = app_env(stand_in, WORKBENCH_HOME=str(tmp_path), WORKBENCH_DATABASE_URL="")
    stand_in.then(Behaviour(tokens=[f"w{i} " for i in range(600)], token_interval=0.05))  # 30 s of words
    app = start_app(env, "history-kill")
    try:
        playground(page, app)
        send(page, "Talk until you are cut off.")
        answer = message(page, 1).get_by_test_id("stMarkdownContainer").first
        expect(answer).to_contain_text(re.compile(r"\bw40\b"), timeout=60_000)
        shown = [int(n) for n in re.findall(r"\bw(\d+)\b", answer.inner_text())]
        app.process.kill()  # SIGKILL: no handler, no finally, nothing more is written
        app.process.wait()
    finally:
        stop_app(app)
    seen = max(shown)
    restarted = start_app(env, "history-kill-restarted")
    try:
        history(page, restarted)
        table = page.locator(".st-key-history-table")
        expect(table.get_by_text("interrupted", exact=True)).to_be_visible(timeout=30_000)
        table.get_by_role("button", name="Talk until you are cut off.").click()
        expect(page.get_by_text("Interrupted by another action")).to_be_visible(timeout=30_000)
        expect(page.locator(MESSAGES).nth(1)).to_contain_text("w0 w1 w2")
    finally:
        stop_app(restarted)
    store = open_store(f"sqlite:///{tmp_path / 'workbench.db'}", interrupt=False)
    try:
        [conversation] = store.list_conversations(LOCAL_OWNER).rows
        run = store.thread(LOCAL_OWNER, conversation.id)[-1]
    finally:
        store.close()
    assert run.status == "interrupted" and conversation.status == "interrupted"
    kept = [int(n) for n in re.findall(r"\bw(\d+)\b", run.content)]
    assert kept == list(range(len(kept)))  # the words in order, none lost in the middle
    # Written at least every second (20 words at this rate): what the browser had shown, less a second.
    assert len(kept) >= seen - 20, (len(kept), seen)


def test_two_app_processes_on_one_postgresql_share_the_history(
    page: Page, stand_in: StandIn, postgres_cluster: PostgresCluster
) -> None:
    url = postgres_cluster.new_database()
    first = start_app(app_env(stand_in, WORKBENCH_DATABASE_URL=url), "history-pg-1")
    try:
        second = start_app(app_env(stand_in, WORKBENCH_DATABASE_URL=url), "history-pg-2")
        try:
            playground(page, first)
            chat(page, "shared across processes")
            history(page, second)
            table = page.locator(".st-key-history-table")
            expect(table.get_by_role("button", name="shared across processes")).to_be_visible(timeout=30_000)
            page.get_by_label("Search history").fill("processes")
            page.get_by_label("Search history").press("Enter")
            table.get_by_role("button", name="shared across processes").click()
            expect(page.locator(MESSAGES)).to_have_count(2, timeout=30_000)
            expect(page.locator(MESSAGES).nth(1)).to_contain_text("TTFT")
        finally:
            stop_app(second)
    finally:
        stop_app(first)
