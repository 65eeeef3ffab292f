"""Token probabilities: an answer's `logprobs.content` as tokens with their probability and top
alternatives, and the HTML that draws each token shaded by it (text escaped; alternatives on hover).
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Token:
    text: str
    prob: float  # 0–1
    top: list[tuple[str, float]] = field(default_factory=list)  # the alternatives, most likely first


def _prob(logprob: Any) -> float:
    if isinstance(logprob, bool) or not isinstance(logprob, int | float) or math.isnan(logprob):
        return 0.0
    return min(1.0, math.exp(logprob)) if logprob > -1e4 else 0.0  # OpenAI's -9999 stands for "nil"


def tokens(content: list[dict[str, Any]] | None) -> list[Token]:
    """The answer's tokens from `logprobs.content` (entries without a token string are skipped)."""
    out = []
    for entry in content or ():
        if not isinstance(entry, dict) or not isinstance(entry.get("token"), str):
            continue
        top = [
            (str(alt.get("token")), _prob(alt.get("logprob")))
            for alt in entry.get("top_logprobs") or ()
            if isinstance(alt, dict) and isinstance(alt.get("token"), str)
        ]
        out.append(Token(entry["token"], _prob(entry.get("logprob")), sorted(top, key=lambda t: -t[1])))
    return out


def percent(prob: float) -> str:
    """'92.1%', '<0.1%' for the tiny ones."""
    return "<0.1%" if 0 < prob < 0.001 else f"{prob * 100:.1f}%"


def shown(text: str) -> str:
    """A token as a person reads it in a list: quoted (a comma alternative reads as one), whitespace
    made visible; an empty one (a piece of a multi-byte character) as ∅."""
    return "“" + text.replace(" ", "␣").replace("\n", "↵").replace("\t", "⇥") + "”" if text else "∅"


def tip(token: Token) -> str:
    """What hovering the token says: its own probability, then the alternatives."""
    head = f"{shown(token.text)} {percent(token.prob)}"
    alternatives = [f"{shown(t)} {percent(p)}" for t, p in token.top if t != token.text]
    return head + ("\nAlternatives: " + " · ".join(alternatives) if alternatives else "")


def shade(prob: float) -> str:
    """The token's background: clear when the model was sure, a stronger orange the less likely it was."""
    return f"rgba(255, 140, 0, {0.75 * (1 - prob):.2f})"


STYLE = """
<style>
.wb-logprobs { white-space: pre-wrap; line-height: 1.9; font-size: 1rem; }
.wb-logprobs .wb-tok { position: relative; border-radius: 3px; padding: 1px 0; cursor: default; }
.wb-logprobs .wb-tok:hover { outline: 1px solid #555; }
.wb-logprobs .wb-tok:hover::after {
  content: attr(data-tip); position: absolute; left: 0; top: 1.9em; z-index: 10; white-space: pre;
  background: #222; color: #fff; padding: 4px 8px; border-radius: 4px; font-size: 0.8rem; line-height: 1.4;
}
.wb-legend { font-size: 0.8rem; opacity: 0.8; }
</style>
"""


def to_html(toks: list[Token]) -> str:
    """Each token in a span shaded by its probability, its alternatives in `data-tip` (shown on hover by
    the style above) and `aria-label`. Every token is HTML-escaped: model text never becomes markup."""
    spans = []
    for i, t in enumerate(toks):
        tip_text = html.escape(tip(t), quote=True)
        spans.append(
            f'<span class="wb-tok" data-i="{i}" data-p="{t.prob:.4f}" data-tip="{tip_text}" aria-label="{tip_text}" '
            f'style="background:{shade(t.prob)}">{html.escape(t.text)}</span>'
        )
    legend = '<div class="wb-legend">Shaded by probability: clear is likely, orange unlikely; hover a token.</div>'
    return STYLE + '<div class="wb-logprobs">' + "".join(spans) + "</div>" + legend


def table(toks: list[Token]) -> list[dict[str, str]]:
    """One row per token: the token, its probability, its alternatives with percentages."""
    return [
        {"Token": shown(t.text), "Probability": percent(t.prob),
         "Alternatives": " · ".join(f"{shown(a)} {percent(p)}" for a, p in t.top if a != t.text)}
        for t in toks
    ]  # fmt: skip
