"""Compare's drawing: the panes side by side (setup, conversation, live answer, metrics, request as
code, Continue in Playground), the round streaming into every pane at once, the vote, the diff, the
summary and the leaderboard. State and sending are in ui/compare_state.py."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st
from streamlit.delta_generator import DeltaGenerator
from streamlit.errors import StreamlitInvalidLayoutContextError

from lib import compare, leaderboard
from lib.conversation import ChatMessage, metrics_line, shows_metrics
from lib.params import specs_for
from lib.request import to_http
from lib.safe_markdown import safe_markdown
from lib.snippets import LANGUAGES, render
from ui import compare_state as cs
from ui import form, keys
from ui.chat import STATUS_NOTE, follow_script
from ui.live_markdown import LiveMarkdown, LiveReasoning
from ui.sidebar import ensure_local
from ui.state import new_message, providers, set_later

DRAIN_WAIT = 0.03  # seconds the drain loop waits for a pane's next change
HIDDEN_NOTE = "Hidden in blind mode until you vote."
VOTES = {0: "A is better", 1: "B is better", 2: "C is better", 3: "D is better"}

# Panes side by side, each readable: a minimum width, the row scrolls sideways below it.
STYLE = """<style>
.st-key-compare-panes [data-testid="stHorizontalBlock"] { overflow-x: auto; }
.st-key-compare-panes [data-testid="stColumn"] { min-width: 18rem; }
/* Each pane's conversation scrolls in its own box sized to the window, so the page stays put while
   the answers stream (the chat input's autoscroll would otherwise carry the page down past the
   panes' names). A fixed-height container is a wrapper around the scrolling block. */
[data-testid="stLayoutWrapper"]:has(> [class*="st-key-pane-chat-"]) {
  --box: max(12rem, calc(100dvh - 34rem));
  flex: 0 0 var(--box) !important; height: var(--box) !important; min-height: 0;
}
[class*="st-key-pane-chat-"] { height: 100% !important; }
.st-key-compare-script, .st-key-compare-round-style { display: none; }
/* Stop and Stop all are drawn on every run and shown while a round streams (round_style), so that a
   round started in the input's fragment has them without the page being drawn again. */
.st-key-compare-stop-all, [class*="st-key-cmp-stopbox-"] { display: none; }
/* A pane's head stays one line: a long model name is cut with an ellipsis (its full name is in the
   API call and the Setup). */
[class*="st-key-pane-head-"] { flex-wrap: nowrap !important; }
[class*="st-key-pane-head-"] > div:first-child { flex: 1 1 auto; min-width: 0; }
[class*="st-key-pane-head-"] > div:first-child p { white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.stMainBlockContainer:has(.st-key-compare-panes) { padding: 2.75rem 2.5rem 0.75rem; }
.stMainBlockContainer:has(.st-key-compare-panes) h1 { font-size: 2rem; padding: 0 0 0.25rem 0; }
</style>"""


def hide(text: str) -> str:
    """A sentence with every pane's model, provider and base URL replaced while names are hidden
    (an error may quote the model or the URL)."""
    if not cs.hidden():
        return text
    for index, pane in enumerate(cs.panes()):
        tag = cs.label(index)
        configured = providers().get(pane.setup.provider_id)
        words = [
            pane.setup.base_url,
            pane.setup.model,
            *([configured.label, configured.base_url] if configured else []),
        ]
        for word in sorted(filter(None, words), key=len, reverse=True):
            text = re.sub(re.escape(word), tag, text, flags=re.IGNORECASE)
    return text


# -- one pane's setup -----------------------------------------------------------------------------


def _kept(k: str, value: Any) -> None:
    """A widget's value from the pane's setup when the widget is new (the setup is the truth: the
    widgets are not drawn in blind mode, and Streamlit forgets a widget it did not draw)."""
    if k not in st.session_state:
        st.session_state[k] = value


def setup_key(pane: cs.Pane) -> str:
    """The pane's "Setup" popover (its open state); its fields' keys begin with the same prefix."""
    return f"cmp{pane.id}-setup"


def setup_form(pane: cs.Pane, disabled: bool) -> None:
    """Provider, base URL, model, and the Playground's parameter form drawn from this model's schema
    (the standard chat set when the provider lists none), kept in the pane's setup. The setup is the
    truth: the fields are drawn only while the popover is open (four panes of forms on every run
    would slow each pane's first token), and filled from the setup when they are drawn anew."""
    s, pid = pane.setup, f"cmp{pane.id}"
    table = providers()
    _kept(f"{pid}-provider", s.provider_id if s.provider_id in table else "local")
    s.provider_id = st.selectbox("Provider", list(table), format_func=lambda p: table[p].label,
                                 key=f"{pid}-provider", disabled=disabled)  # fmt: skip
    configured = table[s.provider_id]
    url_for = st.session_state.get(f"{pid}-url-for")
    if url_for is not None and url_for != s.provider_id:  # another provider: its own configured URL
        s.base_url = configured.base_url
        st.session_state[f"{pid}-url"] = s.base_url
    st.session_state[f"{pid}-url-for"] = s.provider_id
    if configured.local:
        s.base_url = configured.base_url
    else:
        _kept(f"{pid}-url", s.base_url)
        s.base_url = st.text_input("Base URL", key=f"{pid}-url", disabled=disabled).strip() or configured.base_url
    _kept(f"{pid}-model", s.model)
    s.model = st.text_input("Model", key=f"{pid}-model", disabled=disabled).strip() or s.model
    provider = cs.provider_of(s)
    listed = cs.listed(provider, s.model) if not isinstance(provider, Exception) else None
    specs = [spec for spec in specs_for(listed, local=configured.local) if spec.name != "stream"]  # panes stream
    with form.scoped(f"{pid}-"):
        if not form.shown(specs) or st.session_state.get(f"{pid}-form-for") != s.model:
            form.load(specs, s.params)  # drawn anew (or another model): from the setup
        st.session_state[f"{pid}-form-for"] = s.model
        form.draw(specs)
        params, problems = form.values(specs)
    # A field with a problem says so under itself; the pane keeps its last good setup and is not sent
    # until the problem is fixed (start_round says so in the pane).
    pane.form_problem = problems[0] if problems else None
    if not problems:
        s.params = {**params, "stream": True}


def _code_panel(pane: cs.Pane, index: int, where: DeltaGenerator) -> None:
    """The pane's request as code, every language: the body it sends next (or sent last)."""
    last: cs.Round | None = st.session_state.get(cs.RUN) or st.session_state.get(cs.LAST)
    request = last.requests.get(index) if last is not None else None
    request = request or cs.request_of(pane)
    # Built only while open: five snippets per pane on every run would slow each pane's first draw.
    panel = where.popover("API call", icon=":material/code:", key=f"cmp{pane.id}-api", on_change="rerun")
    if panel.open is False:
        return
    with panel:
        if cs.hidden():
            st.caption(HIDDEN_NOTE)
            return
        if request is None:
            st.caption("Fix the pane's Base URL to see its request.")
            return
        wire = to_http(request)
        if wire.key_env:
            st.caption(f"Reads the key from ${wire.key_env}; the key itself is never shown.")
        tabs = st.tabs([lang.label for lang, _ in LANGUAGES.values()])
        for tab, name in zip(tabs, LANGUAGES, strict=True):
            with tab:
                st.code(render(wire, name), language=LANGUAGES[name][0].code_language, wrap_lines=True)


def _continue(pane: cs.Pane) -> None:
    """The pane's conversation and setup into the Playground, then open it."""
    s = pane.setup
    configured = providers()[s.provider_id]
    pending: dict[str, Any] = {keys.PROVIDER: s.provider_id, keys.model(s.provider_id): s.model,
                               keys.SYSTEM: st.session_state.get(cs.SYSTEM, "")}  # fmt: skip
    if not configured.local:
        pending[keys.base_url(s.provider_id)] = s.base_url
    set_later(pending)
    form.load(specs_for(None), dict(s.params))
    st.session_state[keys.MESSAGES] = [new_message(m.role, m.content) for m in pane.messages if m.content]
    st.switch_page("app_pages/playground.py")


# -- one pane -------------------------------------------------------------------------------------


@dataclass
class PaneView:
    """Where a streaming answer is drawn: its live Markdown, reasoning, and the notes under it."""

    live: LiveMarkdown
    reasoning: LiveReasoning
    notes: DeltaGenerator
    status: DeltaGenerator  # the queued note, while it waits its turn
    queued: bool = False
    final: bool = False


def _notes(msg: ChatMessage) -> None:
    note = STATUS_NOTE.get(msg.status)
    if note:
        st.caption(note)
    if msg.cut_at_limit:
        st.caption("Cut at Max tokens: the model had more to say.")
    if msg.error:
        st.error(hide(msg.error))
    if shows_metrics(msg):
        st.caption(metrics_line(msg))


def _message(msg: ChatMessage) -> None:
    """A message as stored. An answer has the live view's shape (queued note, reasoning, answer,
    notes: ui/compare_view.py PaneView), so the run after a round replaces each part in place
    instead of drawing the answer again under the live one until that run ends."""
    with st.chat_message(msg.role):
        if msg.role != "assistant":
            st.markdown(safe_markdown(msg.content))
            return
        st.empty()  # the queued note's place
        reasoning = st.empty()
        if msg.reasoning:
            with reasoning.expander("Reasoning", expanded=False):
                st.markdown(safe_markdown(msg.reasoning))
        st.empty()  # the live view's style's place
        with st.container():
            if msg.content:
                st.markdown(safe_markdown(msg.content))
            if msg.refusal:
                st.markdown(":material/block: **Refused:** " + safe_markdown(msg.refusal))
        with st.container():
            _notes(msg)


def page_script() -> None:
    """The script that keeps each pane's conversation at its newest line while it streams, and after
    the round's last run draws it again, unless the reader scrolled up in it."""
    with st.container(key="compare-script"):
        st.html(follow_script("[class*='st-key-pane-chat-']"), unsafe_allow_javascript=True)


def draw_pane(position: int, index: int, current: cs.Round | None) -> tuple[PaneView | None, DeltaGenerator]:
    """Pane `index` at `position` (its container `pane-<position>`): the live view of its answer
    while the round streams, and the place at the end of its conversation for the next round."""
    pane = cs.panes()[index]
    streaming = current is not None and current.run is not None and current.run.running(index)
    busy = current is not None
    view = None
    with st.container(key=f"pane-{position}", border=True):
        head = st.container(horizontal=True, vertical_alignment="center", key=f"pane-head-{position}")
        head.markdown(f"**{cs.label(index)}**")
        if not cs.hidden():
            popover = head.popover(
                ":material/tune:",
                key=setup_key(pane),
                on_change="rerun",
                help="Setup: provider, base URL, model and parameters of this pane",
            )
            if popover.open:
                with popover:
                    setup_form(pane, disabled=busy)
        live_answer = current.answers.get(index) if streaming and current is not None else None
        # The head's last place: Remove while idle, Stop while a round streams (one row, so a narrow
        # pane's head never wraps and nothing moves when a round starts or ends). Both are drawn on
        # every run, and round_style shows the one that applies.
        if len(cs.panes()) > compare.MIN_PANES:
            head.container(key=f"cmp-removebox-{pane.id}").button(
                ":material/close:", key=f"cmp{pane.id}-remove", on_click=cs.remove_pane, args=(pane.id,),
                type="tertiary", help="Remove this pane", disabled=busy)  # fmt: skip
        head.container(key=f"cmp-stopbox-{pane.id}").button(
            "Stop", key=f"cmp{pane.id}-stop", icon=":material/stop_circle:", on_click=cs.stop_pane, args=(index,),
            type="tertiary")  # fmt: skip
        # Kept at its newest line by the page's script (see page_script), as the Playground's chat is.
        chat = st.container(height=480, key=f"pane-chat-{position}", border=False, autoscroll=False)
        with chat:
            for msg in pane.messages:
                if msg is not live_answer:
                    _message(msg)
        if live_answer is not None and current is not None:
            with chat, st.chat_message("assistant"):
                view = _live_view(current, index)
        slot = chat.container()  # where the input's fragment draws the next round (round_input)
        row = st.container(horizontal=True, vertical_alignment="center", key=f"cmp{pane.id}-footer")
        _code_panel(pane, index, row)
        if row.button("Continue in Playground", key=f"cmp{pane.id}-continue", disabled=busy or cs.hidden(),
                      icon=":material/open_in_new:") and not busy:  # clicked as a round began: not now  # fmt: skip
            _continue(pane)
    return view, slot


def _live_view(current: cs.Round, index: int) -> PaneView:
    """Pane `index`'s streaming answer, drawn where the caller is (in its assistant message): the queued
    note's place, reasoning, answer, notes (the shape _message draws it in when it has ended)."""
    assert current.run is not None
    status = st.empty()
    reasoning = LiveReasoning()
    live = LiveMarkdown()
    queued = current.run.live[index].queued
    if queued:
        status.caption(compare.QUEUED_NOTE)
    else:
        live.waiting()
    return PaneView(live, reasoning, st.empty(), status, queued)


# -- the round streaming now ----------------------------------------------------------------------


def _draw(view: PaneView, msg: ChatMessage, live: compare.PaneLive) -> None:
    if live.queued:
        return
    if view.queued:  # its turn came
        view.queued = False
        view.status.empty()
        view.live.waiting()
    if msg.reasoning:
        view.reasoning.update(msg.reasoning, final=bool(msg.content) or live.done)
    if live.done:
        view.live.update(msg.content, final=True)
        with view.notes.container():
            _notes(msg)
        view.final = True
    elif msg.content:
        view.live.update(msg.content)


def stream(current: cs.Round, views: dict[int, PaneView], style: DeltaGenerator, fresh: bool, token: object) -> None:
    """Drain the round's changes into each pane's view until every pane has ended, then rerun so
    the page draws the round as it ended; `style` shows each pane's Stop (greyed once it ended).
    A click starts the page's next run at once (runner.fastReruns), which claims the drawing: this
    run then ends, quietly, while the workers go on and the new run draws from where they are. No
    update is sent while the panes are quiet: each costs the browser a commit of the whole page,
    which a thinking model's first token would wait behind."""
    run = current.run
    assert run is not None
    ended: set[int] = set()
    while cs.drawing(token):
        done = {i for i in current.answers if not run.running(i) or (i in views and views[i].final)}
        if done != ended:  # its Stop greyed
            ended = done
            style.html(round_style(ended, fresh))
        run.changed(DRAIN_WAIT)
        for index, view in views.items():
            if not view.final:  # every live pane each time round: a throttled update draws what it skipped
                _draw(view, current.answers[index], run.live[index])
        if all(v.final for v in views.values()) and run.finished.is_set():
            st.rerun()


def round_style(ended: set[int], fresh: bool) -> str:
    """While a round streams: each pane's Stop (greyed once its answer `ended`, by pane index) and
    Stop all instead of Remove. `fresh`: the round started in the input's fragment and the page
    was not drawn again, so the controls a round disables are greyed here too (their callbacks
    refuse while a round streams)."""
    found = cs.panes()
    rules = [
        '.st-key-compare-stop-all, [class*="st-key-cmp-stopbox-"] { display: block !important; }',
        '.st-key-compare-stop-all-idle, [class*="st-key-cmp-removebox-"] { display: none !important; }',
        *(f".st-key-cmp-stopbox-{found[i].id} button {{ opacity: 0.4; pointer-events: none; }}"
          for i in sorted(ended) if i < len(found)),
    ]  # fmt: skip
    if fresh:
        # The input too (a message sent anyway starts the next round when this one ends).
        rules.append('.st-key-compare-add, .st-key-compare_blind, [class*="-continue"], .st-key-compare_input '
                     "{ opacity: 0.4; pointer-events: none; }")  # fmt: skip
    return "<style>" + "\n".join(rules) + "</style><span></span>"  # not style-only: it stays in its place


@st.fragment
def round_input(slots: dict[int, DeltaGenerator], views: dict[int, PaneView]) -> None:
    """The chat input, and the round it starts. A message reruns only this fragment: the round is
    sent and streams into each pane's place (`slots`, drawn by the page's last full run) while the
    rest of the page stays as it is, so the panes' first tokens reach the browser behind a few
    elements per pane instead of the whole page drawn again (bench/compare.py). Stop and Stop all
    were drawn by that run (round_style shows them); a click on them, or on anything else, reruns
    the page, which then streams the round on (`views`) from where the workers are."""
    token = cs.claim()  # the newest run, of the page or of this fragment, draws the round
    # A fragment may write only where it wrote on the last full run: each place is claimed here.
    boxes = {index: slot.container() for index, slot in slots.items()}
    style = st.container(key="compare-round-style").empty()
    # A message sent while the last round streamed (the input is greyed only when the page is drawn
    # again) waits for this fragment's run to end: the ended round is settled and it starts the next.
    cs.settle()
    current = cs.running()
    prompt = st.chat_input("Send a message to every pane…", key="compare_input", disabled=current is not None)
    if current is not None:
        if prompt:  # sent as the round started, before the input was greyed
            st.session_state[cs.NOTICE] = "A round is still streaming: wait for it, or press Stop all, then send again."
            st.rerun()
        if views:
            stream(current, views, style, fresh=False, token=token)
        return
    if not prompt:
        return
    found = cs.panes()
    local = any(providers()[p.setup.provider_id].local for p in found if p.setup.provider_id in providers())
    current = cs.start_round(prompt, ensure_local() if local else None)
    assert current.run is not None
    if current.run.finished.is_set() or cs.blind() or set(boxes) != set(current.answers):
        st.rerun()  # nothing streams, or blind mode drew a new order: the page is drawn anew
    style.html(round_style(set(), fresh=True))
    live = {}
    for index, box in boxes.items():
        pane = found[index]
        with box:
            _message(pane.messages[-2])
            if current.run.running(index):
                with st.chat_message("assistant"):
                    live[index] = _live_view(current, index)
            else:
                _message(pane.messages[-1])
    try:
        stream(current, live, style, fresh=True, token=token)
    except StreamlitInvalidLayoutContextError:
        # A click starts the page's next run at once in a new thread (runner.fastReruns), and that
        # run takes back the places this one wrote into: this run is over, and its next element
        # stops it as Streamlit stops a replaced run. Anything else is a real error.
        st.empty()
        raise


# -- the rest of the page -------------------------------------------------------------------------


def vote_row() -> bool:
    """Blind mode, a round ended and not voted on: the vote, then the names are revealed; whether
    it was drawn."""
    last: cs.Round | None = st.session_state.get(cs.LAST)
    if not cs.blind() or last is None or last.voted or cs.running():
        return False
    n = len(cs.panes())
    with st.container(horizontal=True, key="compare-vote"):
        st.markdown("**Which is better?**")
        for position in range(n):
            st.button(VOTES[position], key=f"cmp-vote-{position}", on_click=cs.vote, args=(position,))
        st.button("Tie", key="cmp-vote-tie", on_click=cs.vote, args=("tie",))
        st.button("Both are bad" if n == 2 else "All are bad", key="cmp-vote-bad", on_click=cs.vote,
                  args=("bothbad",))  # fmt: skip
    return True


def _escape(text: str) -> str:
    """Model text as literal Markdown (the diff marks it; nothing in it may format or link)."""
    return re.sub(r"([\\`*_{}\[\]()#+\-.!|~<>$:=^])", r"\\\1", text)


def diff_markdown(a: str, b: str) -> str:
    """The word diff from `a` to `b` as Markdown: deletions struck on red, additions on green."""
    out = []
    for op, text in compare.word_diff(a, b):
        if op == "equal":
            out.append(_escape(text))
            continue
        lead, body, trail = re.match(r"(\s*)(.*?)(\s*)$", text, re.S).groups()  # type: ignore[union-attr]
        if body:
            body = _escape(body).replace("\n", " ")
            body = f":red-background[~~{body}~~]" if op == "delete" else f":green-background[{body}]"
        out.append(lead + body + trail)
    return "".join(out)


def diff_box() -> None:
    last: cs.Round | None = st.session_state.get(cs.LAST)
    if last is None or len(last.answers) < 2:
        st.info("After a round, any two of its answers word by word: what one added, what it left out.")
        return
    positions = list(range(len(cs.order())))
    names = {p: cs.label(cs.order()[p]) for p in positions if cs.order()[p] in last.answers}
    with st.container():
        cols = st.columns(2)
        a = cols[0].selectbox("From", list(names), format_func=lambda p: names[p], key="cmp-diff-a")
        b = cols[1].selectbox("To", list(names), index=1, format_func=lambda p: names[p], key="cmp-diff-b")
        if a is None or b is None:
            return
        text_a, text_b = last.answers[cs.order()[a]].content, last.answers[cs.order()[b]].content
        st.markdown(diff_markdown(text_a, text_b))


MEASURES = {"ttft": "TTFT (s)", "latency": "Latency (s)", "tokens_per_s": "Tokens/s", "tokens": "Tokens",
            "cost": "Cost ($)"}  # fmt: skip


def summary() -> None:
    rows = cs.summary_rows()
    if not rows:
        st.info("After a round, each pane's TTFT, latency, tokens/s, tokens and cost, per round and averaged.")
        return
    st.markdown("**Summary**")
    frame = pd.DataFrame([r.__dict__ for r in rows]).rename(columns={"round": "Round", "pane": "Pane", **MEASURES})
    averaged = pd.DataFrame(compare.averages(rows)).rename(columns={"pane": "Pane", "rounds": "Rounds", **MEASURES})
    st.caption("Averaged over the rounds of this comparison")
    st.dataframe(averaged, hide_index=True)
    with st.expander("Every round"):
        st.dataframe(frame, hide_index=True)
    long = frame.melt(id_vars=["Round", "Pane"], value_vars=list(MEASURES.values()), var_name="Measure").dropna()
    if long.empty:
        return
    chart = (
        alt.Chart(long)
        .mark_bar()
        .encode(
            x=alt.X("Round:O"),
            xOffset="Pane:N",
            y=alt.Y("value:Q", title=None),
            color="Pane:N",
            tooltip=["Round", "Pane", "Measure", "value"],
        )
        .properties(width=150, height=140)
        .facet(facet=alt.Facet("Measure:N", title=None), columns=5)
        .resolve_scale(y="independent")
    )
    st.altair_chart(chart)


def leaderboard_tab() -> None:
    if cs.hidden():
        st.caption(f"The leaderboard names models: {HIDDEN_NOTE.lower()}")
        return
    battles = [
        b
        for outcome, names in cs.stored_votes()
        if isinstance(outcome, int) or outcome in ("tie", "bothbad")
        for b in leaderboard.battles_from_vote(names, outcome)  # type: ignore[arg-type]
    ]
    if not battles:
        st.info("No votes yet: turn on Blind mode, send a message, and vote on the answers.")
        return
    table = leaderboard.leaderboard(battles)
    st.markdown("**Elo ratings** (K=4, from 1000; 95% bootstrap interval)")
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "Model": r.model,
                    "Elo": round(r.rating, 1),
                    "95% CI": f"{r.lower:.1f} – {r.upper:.1f}",
                    "Battles": r.battles,
                }
                for r in table
            ]
        ),
        hide_index=True,
    )
    st.markdown("**Win rate** (row against column; a tie counts half)")
    rates = leaderboard.win_rates(battles)
    # As text: the grid shows a missing number as "None" whatever a Styler says; two models that
    # never met (and a model against itself) are "–".
    st.dataframe(rates.map(lambda v: "–" if pd.isna(v) else f"{v:.0%}"))
