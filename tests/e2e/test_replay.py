"""Replay in real Chromium: a 10 s answer streamed from the stand-in is recorded, then, with the
stand-in stopped (no provider to reach), "Replay" draws the same text with each chunk appearing in
the page when the recording says it arrived (times taken in the page), with the original metrics
strip and a "Replayed" mark; "Record" keeps the recording with the answer in the history store."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from playwright.sync_api import Page, expect

from lib.recording import from_json
from lib.store import open_store
from lib.store.tables import messages
from tests.support.browser import MESSAGES, open_app, send, start_app, stop_app, wait_answer, wait_idle
from tests.support.environment import app_vars
from tests.support.stand_in import Behaviour, StandIn, free_port

TOKENS = [f"t{i:02d}x " for i in range(21)]  # 20 gaps of 0.5 s: a 10 s answer

# Every change of the last chat message's text, with the page's own clock.
WATCH = """
() => {
  window.__seen = [];
  const look = () => {
    const all = document.querySelectorAll("[data-testid='stChatMessage']");
    const last = all[all.length - 1];
    window.__seen.push([performance.now(), last ? last.innerText : ""]);
  };
  new MutationObserver(look).observe(document.body, {subtree: true, childList: true, characterData: true});
}
"""


def _appearances(page: Page) -> list[float]:
    """When each token first showed, in ms after the first one did."""
    seen: list[list[object]] = page.evaluate("window.__seen")
    # From the first moment the last message does not hold the whole answer (the question just sent,
    # or the replay begun): what showed before is the earlier answer.
    last = TOKENS[-1].strip()
    seen = seen[next(i for i, (_, text) in enumerate(seen) if last not in str(text)) :]
    times = []
    for token in TOKENS:
        at = next(float(t) for t, text in seen if token.strip() in str(text))  # type: ignore[arg-type]
        times.append(at)
    return [t - times[0] for t in times]


def _drifts(before: list[float], after: list[float]) -> list[float]:
    """Each chunk's distance from its time in `before`, the two lined up by their median offset. The
    first two chunks are left out: they wait for the browser's first paint of a new answer (a few
    hundred ms either time: the page's set-up, not the stream's pace)."""
    offsets = sorted(b - a for a, b in zip(before[2:], after[2:], strict=True))
    median = offsets[len(offsets) // 2]
    return [abs(b - a - median) for a, b in zip(before[2:], after[2:], strict=True)]


def _report(before: list[float], after: list[float]) -> str:
    drift = _drifts(before, after)
    within = sum(d < 50 for d in drift)
    return f"{within}/{len(drift)} chunks within 50 ms over {before[-1] / 1000:.1f} s (worst {max(drift):.1f} ms)"


def _recorded_ms(home: Path) -> list[float]:
    """Each chunk's moment in the stored recording (one chunk per token: they came 0.5 s apart)."""
    store = open_store(f"sqlite:///{home / 'workbench.db'}")
    try:
        with store._read() as conn:
            data = conn.execute(sa.select(messages.c.recording).where(messages.c.recording.is_not(None))).scalar()
    finally:
        store.close()
    return [float(c.ms) for c in from_json(data).chunks]


def test_a_recorded_answer_replays_at_its_pace_with_the_provider_gone(page: Page, tmp_path: Path) -> None:
    stand_in = StandIn().start()
    stand_in.default = Behaviour(tokens=TOKENS, token_interval=0.5)
    env = {**app_vars(free_port(), stand_in.base_url, "sk-replay-test"), "WORKBENCH_HOME": str(tmp_path)}
    app = start_app(env, "replay")
    try:
        open_app(page, f"{app.url}/?provider=oxen&model=gpt-oss-120b")
        page.evaluate(WATCH)
        send(page, "Tell me a slow story.")
        answer = wait_answer(page, 1, timeout=90_000)
        original = _appearances(page)
        assert original[-1] > 9_000, original  # it really took 10 s
        metrics = answer.get_by_text("TTFT").inner_text()

        answer.get_by_role("button", name="Record").click()
        expect(page.locator(MESSAGES).nth(1).get_by_role("button", name="Record")).to_have_count(0, timeout=30_000)
        wait_idle(page)

        stand_in.stop()  # from here no provider answers: a replay must not need one
        requests = len(stand_in.requests)
        page.evaluate(WATCH)
        page.locator(MESSAGES).nth(1).get_by_role("button", name="Replay", exact=True).click()
        expect(page.locator(".st-key-replay-answer")).to_be_visible(timeout=30_000)
        expect(page.locator(".st-key-replay-answer")).to_have_count(0, timeout=90_000)  # over: drawn as kept
        replayed = wait_answer(page, 1, timeout=90_000)
        expect(replayed.get_by_text("Replayed")).to_be_visible()
        again = _appearances(page)
        assert len(stand_in.requests) == requests
        assert "".join(TOKENS).strip() in replayed.inner_text()
        assert replayed.get_by_text("TTFT").inner_text() == metrics  # the original answer's metrics

        # Each chunk's moment in the page against the recording's (what the app received the first
        # time, as kept in the store).
        recorded = _recorded_ms(tmp_path)
        assert len(recorded) == len(TOKENS)
        recorded = [t - recorded[0] for t in recorded]
        print(f"replay timing: {_report(recorded, again)} vs the recording; {_report(original, again)} "
              "vs the original as the page showed it")  # fmt: skip
        # Every chunk within 50 ms of the recording (issue 16). Streamlit's collection of all garbage
        # after each run (`runner.postScriptGC`, off in .streamlit/config.toml) held the GIL ~100 ms
        # and was seen to make a chunk 75 ms late; with it off, 9 runs here: worst 10-31 ms.
        drift = sorted(_drifts(recorded, again))
        pairs = list(zip(recorded, again, strict=True))
        assert drift[-1] < 50 and drift[len(drift) // 2] < 20, pairs
    finally:
        stop_app(app)
        stand_in.stop()
