"""Compare in Chromium against a stand-in that answers each model at its own speed: three panes grow
at the same time; Stop on one pane leaves the others streaming; a pane answering 500 and one cut
mid-stream leave the third complete. Every wait is for a state of the page, never for time."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from urllib.parse import urlencode

import pytest
from playwright.sync_api import Locator, Page, expect
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.RootContainer_pb2 import RootContainer

from lib.local_model import MODEL_ID
from tests.support.browser import NEWEST_IN_VIEW, App, open_app, send, start_app, stop_app, wait_idle
from tests.support.environment import app_vars
from tests.support.stand_in import Behaviour, StandIn, free_port

KEY = "sk-e2e-compare-key"
TIMEOUT = 90_000  # ms: a loaded 2-core machine
N = 80  # tokens per answer in the growth test: long enough to see each pane grow on a loaded machine


class PerModel(StandIn):
    """The stand-in, answering each model with its own behaviour (requests arrive in any order)."""

    def __init__(self) -> None:
        super().__init__()
        self.by_model: dict[str, Behaviour] = {}

    async def _chat(self, request: Request, raw: bytes) -> Response:
        try:
            model = json.loads(raw).get("model")
        except ValueError:
            model = None
        if model in self.by_model:
            self.queue.appendleft(self.by_model[model])
        return await super()._chat(request, raw)


@pytest.fixture(scope="module")
def server() -> Iterator[PerModel]:
    s = PerModel()
    s.start()
    yield s
    s.stop()


@pytest.fixture(scope="module")
def compare_app(server: PerModel) -> Iterator[App]:
    # The local model's port is one nothing listens on: no pane and no sidebar here uses it.
    a = start_app(app_vars(free_port(), server.base_url, KEY), "compare")
    yield a
    stop_app(a)


def word(token: str) -> re.Pattern[str]:
    """`token` as a whole token (`c1` but not `c10`; the metrics strip may follow it directly)."""
    return re.compile(rf"\b{re.escape(token)}(?!\d)")


def tokens(prefix: str, n: int) -> list[str]:
    return [f" {prefix}{i}" for i in range(1, n + 1)]


def open_compare(page: Page, app: App, *models: str, provider: str = "oxen") -> None:
    query = urlencode({"provider": provider, "models": ",".join(models)})
    open_app(page, f"{app.url}/compare?{query}")
    for i in range(len(models)):
        expect(page.locator(f".st-key-pane-{i}")).to_be_visible(timeout=TIMEOUT)


def answer(page: Page, position: int) -> Locator:
    """The newest answer in pane `position`."""
    return page.locator(f".st-key-pane-{position} [data-testid='stChatMessage']").last


_RECORD = """
(n) => {
  // For each pane, every distinct number of answer tokens (f1, f2, ...) it showed, and when.
  window.__panes = Array.from({length: n}, () => []);
  const seen = () => {
    const now = performance.now();
    for (let i = 0; i < n; i++) {
      const msgs = document.querySelectorAll(`.st-key-pane-${i} [data-testid='stChatMessage']`);
      const last = msgs[msgs.length - 1];
      const count = last ? (last.innerText.match(/\\b[a-z]\\d+/g) || []).length : 0;
      const list = window.__panes[i];
      if (!list.length || list[list.length - 1][1] !== count) list.push([now, count]);
    }
  };
  new MutationObserver(seen).observe(document.body, {subtree: true, childList: true, characterData: true});
}
"""


def test_three_panes_grow_at_the_same_time(page: Page, compare_app: App, server: PerModel) -> None:
    server.by_model = {
        "fast": Behaviour(tokens=tokens("f", N), token_interval=0.08),
        "medium": Behaviour(tokens=tokens("m", N), token_interval=0.12),
        "slow": Behaviour(tokens=tokens("s", N), token_interval=0.18),
    }
    open_compare(page, compare_app, "fast", "medium", "slow")
    page.evaluate(_RECORD, 3)
    send(page, "grow")
    for position, last in enumerate([f"f{N}", f"m{N}", f"s{N}"]):
        expect(answer(page, position)).to_contain_text(word(last), timeout=TIMEOUT)
        expect(answer(page, position).get_by_text("TTFT").first).to_be_visible(timeout=TIMEOUT)
    wait_idle(page, TIMEOUT)
    recorded: list[list[list[float]]] = page.evaluate("window.__panes")
    # While the slowest pane grows (its first token to nearly all N), every pane grows too: each
    # shows at least 3 distinct numbers of tokens in that window. Panes answered one after another
    # would show the others finished (one number) or not begun.
    slow = recorded[2]
    slow_start = min(t for t, count in slow if count > 0)
    slow_done = min(t for t, count in slow if count >= 0.9 * N)
    for position, changes in enumerate(recorded):
        growing = {count for t, count in changes if slow_start <= t <= slow_done and 0 < count < N}
        assert len(growing) >= 3, f"pane {position} showed {sorted(growing)} tokens while the slowest grew"


@pytest.mark.parametrize("size", [(1440, 900), (1280, 720)], ids=["1440x900", "1280x720"])
def test_the_page_stays_put_and_each_pane_follows_its_newest_line(
    page: Page, compare_app: App, server: PerModel, size: tuple[int, int]
) -> None:
    """Each pane's conversation scrolls in its own box, kept at its newest line while it streams
    and after the round ends, so the title and every pane's name stay in view (the chat input's
    autoscroll carried the whole page down past them)."""
    page.set_viewport_size({"width": size[0], "height": size[1]})
    server.by_model = {
        "long-a": Behaviour(tokens=[f" a{i}" + ("\n\n" if i % 12 == 0 else "") for i in range(1, 241)],
                            token_interval=0.02),
        "long-b": Behaviour(tokens=[f" b{i}" + ("\n\n" if i % 12 == 0 else "") for i in range(1, 241)],
                            token_interval=0.03),
    }  # fmt: skip
    open_compare(page, compare_app, "long-a", "long-b")
    send(page, "talk")
    expect(answer(page, 1)).to_contain_text(word("b120"), timeout=TIMEOUT)  # mid-stream, the boxes full
    for position in (0, 1):
        page.wait_for_function(NEWEST_IN_VIEW, arg=f".st-key-pane-chat-{position}", timeout=5_000)
    expect(page.get_by_role("heading", name="Compare")).to_be_in_viewport(ratio=1)
    expect(page.locator(".st-key-pane-head-1")).to_be_in_viewport(ratio=1)
    expect(answer(page, 1)).to_contain_text(word("b240"), timeout=TIMEOUT)
    wait_idle(page, TIMEOUT)
    for position in (0, 1):  # drawn again as the round ended: still at the newest line
        page.wait_for_function(NEWEST_IN_VIEW, arg=f".st-key-pane-chat-{position}", timeout=5_000)
    expect(page.get_by_role("heading", name="Compare")).to_be_in_viewport(ratio=1)


def test_stop_on_one_pane_leaves_the_others_streaming(page: Page, compare_app: App, server: PerModel) -> None:
    server.by_model = {name: Behaviour(tokens=tokens(name[0], 50), token_interval=0.1) for name in ("a", "b", "c")}
    open_compare(page, compare_app, "a", "b", "c")
    send(page, "stop one")
    for position, prefix in enumerate("abc"):
        expect(answer(page, position)).to_contain_text(word(f"{prefix}3"), timeout=TIMEOUT)
    page.locator(".st-key-pane-1").get_by_role("button", name="Stop").click()
    expect(answer(page, 1)).to_contain_text("Stopped", timeout=TIMEOUT)
    for position, prefix in ((0, "a"), (2, "c")):
        expect(answer(page, position)).to_contain_text(word(f"{prefix}50"), timeout=TIMEOUT)
        expect(answer(page, position).get_by_text("TTFT").first).to_be_visible(timeout=TIMEOUT)
    wait_idle(page, TIMEOUT)
    assert not word("b50").search(answer(page, 1).inner_text())
    assert answer(page, 0).get_by_text("Stopped").count() == 0


def test_a_round_streams_without_the_page_drawn_again_and_with_its_stop_controls(
    page: Page, compare_app: App, server: PerModel
) -> None:
    """A message reruns only the chat input's fragment: what reaches the browser before the first
    token is each pane's new messages, not the page (sidebar, title, toolbar, tabs) again, which
    held the first tokens back. The controls of a round are there all the same: each pane's Stop
    and Stop all shown, Remove hidden, Add pane and Blind mode not clickable."""
    server.by_model = {n: Behaviour(tokens=tokens(n[0], 40), token_interval=0.1) for n in ("a", "b", "c")}
    frames: list[bytes] = []
    page.on("websocket", lambda ws: ws.on("framereceived", lambda f: frames.append(f if isinstance(f, bytes) else b"")))
    open_compare(page, compare_app, "a", "b", "c")
    remove = "[class*='st-key-cmp-removebox-']"
    page.locator(f".st-key-pane-2 {remove} button").first.wait_for()
    before = len(frames)
    send(page, "no redraw")
    for position, prefix in enumerate("abc"):
        expect(answer(page, position)).to_contain_text(word(f"{prefix}2"), timeout=TIMEOUT)
    deltas = []
    for raw in frames[before:]:
        msg = ForwardMsg()
        msg.ParseFromString(raw)
        if msg.WhichOneof("type") == "delta":
            new = msg.delta.new_element
            if new.WhichOneof("type") == "markdown" and word("a1").search(new.markdown.body):
                break
            deltas.append(msg.metadata.delta_path)
    assert deltas, "nothing reached the browser before the first token"
    assert not [p for p in deltas if p[0] == RootContainer.SIDEBAR], "the sidebar was drawn again"
    assert not [p for p in deltas if list(p) == [RootContainer.MAIN, 1]], "the title was drawn again"
    assert len(deltas) <= 15 * 3 + 5, f"{len(deltas)} elements before the first token"
    for position in range(3):
        pane = page.locator(f".st-key-pane-{position}")
        expect(pane.get_by_role("button", name="Stop")).to_be_visible()
        expect(pane.locator(remove)).to_be_hidden()
    expect(page.get_by_role("button", name="Stop all")).to_be_enabled()
    for control in (".st-key-compare-add button", ".st-key-compare_blind label"):
        assert page.locator(control).evaluate("e => getComputedStyle(e).pointerEvents") == "none"
    page.locator(".st-key-pane-1").get_by_role("button", name="Stop").click()  # works in this state too
    expect(answer(page, 1)).to_contain_text("Stopped", timeout=TIMEOUT)
    expect(answer(page, 0)).to_contain_text(word("a40"), timeout=TIMEOUT)
    wait_idle(page, TIMEOUT)
    expect(page.get_by_role("button", name="Stop all")).to_be_disabled()


def test_a_round_still_waiting_for_its_first_tokens_sends_the_browser_nothing_and_stop_all_ends_it(
    page: Page, compare_app: App, server: PerModel
) -> None:
    """While every pane waits for a model that thinks first, the page sends the browser nothing:
    each update would cost it a commit of the whole page, and the first token would wait behind it
    (it used to send one every quarter second for a click to interrupt the run at). A click still
    interrupts it: Stop all ends every pane at once."""
    server.by_model = {n: Behaviour(tokens=tokens(n[0], 5), first_token_delay=60) for n in ("a", "b")}
    frames: list[tuple[float, bytes]] = []
    page.on("websocket", lambda ws: ws.on("framereceived", lambda f: frames.append(
        (time.monotonic(), f if isinstance(f, bytes) else b""))))  # fmt: skip
    open_compare(page, compare_app, "a", "b")
    asked = len(server.chat_requests())
    send(page, "think first")
    expect(page.get_by_role("button", name="Stop all")).to_be_enabled(timeout=TIMEOUT)
    for position in range(2):
        expect(answer(page, position)).to_contain_text("…", timeout=TIMEOUT)
    assert len(server.chat_requests()) == asked + 2
    start = time.monotonic()
    page.wait_for_timeout(2_000)  # the window watched: no event ends it, nothing may arrive in it
    quiet = [raw for at, raw in frames if at > start]
    deltas = []
    for raw in quiet:
        msg = ForwardMsg()
        msg.ParseFromString(raw)
        if msg.WhichOneof("type") == "delta":
            deltas.append(msg.metadata.delta_path)
    assert deltas == [], f"{len(deltas)} updates sent while every pane was quiet"
    page.get_by_role("button", name="Stop all").click()
    for position in range(2):
        expect(answer(page, position)).to_contain_text("Stopped", timeout=TIMEOUT)
    wait_idle(page, TIMEOUT)
    expect(page.get_by_role("button", name="Stop all")).to_be_disabled()


def test_a_message_sent_while_a_round_streams_starts_the_next_round_when_it_ends(
    page: Page, compare_app: App, server: PerModel
) -> None:
    """The input is greyed while a round streams, but a message typed anyway is not lost: the round
    ends complete, then the message goes to every pane with that round in its conversation."""
    server.by_model = {n: Behaviour(tokens=tokens(n[0], 30), token_interval=0.05) for n in ("a", "b")}
    open_compare(page, compare_app, "a", "b")
    sent_before = len(server.chat_requests())
    send(page, "first question")
    expect(answer(page, 0)).to_contain_text(word("a2"), timeout=TIMEOUT)
    send(page, "second question")
    for position, prefix in enumerate("ab"):
        pane = page.locator(f".st-key-pane-{position}")
        expect(pane.get_by_text("second question", exact=True)).to_be_visible(timeout=TIMEOUT)
        expect(pane.locator("[data-testid='stChatMessage']").nth(1)).to_contain_text(word(f"{prefix}30"))
    wait_idle(page, TIMEOUT)
    bodies = [r.json() for r in server.chat_requests()[sent_before:]]
    assert len(bodies) == 4
    for body in bodies[2:]:
        first, answered, second = body["messages"]
        assert (first["content"], second["content"]) == ("first question", "second question")
        assert word(f"{body['model']}30").search(answered["content"])


def test_a_500_and_a_cut_stream_leave_the_third_complete(page: Page, compare_app: App, server: PerModel) -> None:
    server.by_model = {
        "good": Behaviour(tokens=tokens("g", 30), token_interval=0.05),
        "broken": Behaviour(status=500),
        "cut": Behaviour(tokens=tokens("c", 30), token_interval=0.02, cut_after=10),
    }
    open_compare(page, compare_app, "good", "broken", "cut")
    send(page, "fail some")
    expect(answer(page, 0)).to_contain_text(word("g30"), timeout=TIMEOUT)
    expect(answer(page, 0).get_by_text("TTFT").first).to_be_visible(timeout=TIMEOUT)
    expect(answer(page, 1).locator("[data-testid='stAlert']").first).to_be_visible(timeout=TIMEOUT)
    expect(answer(page, 2).locator("[data-testid='stAlert']").first).to_be_visible(timeout=TIMEOUT)
    wait_idle(page, TIMEOUT)
    for position in (1, 2):  # each error said once, in its own pane
        expect(answer(page, position).locator("[data-testid='stAlert']")).to_have_count(1, timeout=TIMEOUT)
    cut = answer(page, 2).inner_text()
    assert word("c10").search(cut) and not word("c11").search(cut)  # what arrived before the cut stays
    assert answer(page, 0).locator("[data-testid='stAlert']").count() == 0


class LocalStandIn(PerModel):
    """The stand-in in the local model's place (its /v1 path, its model listed), noting when each
    chat request arrived."""

    def __init__(self) -> None:
        super().__init__()
        self.prefix = "/v1"
        self.arrived: list[float] = []

    def _models(self, sub: str, request: Request) -> Response:
        return JSONResponse({"object": "list", "data": [{"id": MODEL_ID, "object": "model"}]})

    async def _chat(self, request: Request, raw: bytes) -> Response:
        self.arrived.append(time.time())
        return await super()._chat(request, raw)


@pytest.fixture(scope="module")
def local_app() -> Iterator[tuple[App, LocalStandIn]]:
    s = LocalStandIn()
    s.start()
    a = start_app(app_vars(s.port), "compare-local")
    yield a, s
    stop_app(a)
    s.stop()


def test_a_second_local_pane_is_queued_until_the_first_has_answered(
    page: Page, local_app: tuple[App, LocalStandIn]
) -> None:
    app, server = local_app
    server.default = Behaviour(tokens=tokens("q", 40), token_interval=0.1)
    open_compare(page, app, MODEL_ID, MODEL_ID, provider="local")
    send(page, "one at a time")
    expect(answer(page, 0)).to_contain_text(word("q3"), timeout=TIMEOUT)
    expect(answer(page, 1)).to_contain_text("Queued: the local model answers one request at a time", timeout=TIMEOUT)
    for position in (0, 1):
        expect(answer(page, position)).to_contain_text(word("q40"), timeout=TIMEOUT)
        expect(answer(page, position).get_by_text("TTFT").first).to_be_visible(timeout=TIMEOUT)
    wait_idle(page, TIMEOUT)
    expect(answer(page, 1)).not_to_contain_text("Queued")
    assert len(server.arrived) == 2 and len(server.last_token_at) == 2
    assert server.arrived[1] >= server.last_token_at[0]  # the second was sent once the first had answered
