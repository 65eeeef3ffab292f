"""The hand-out after a demo: a conversation as one self-contained HTML file (model text as Markdown
with HTML escaped and no images, each answer's metrics, the last request as cURL and Python) and as
Markdown. The HTML loads nothing and runs nothing: no script, no remote resource, and a Content
Security Policy that forbids both should an answer's text try. No key: the snippets read it from
the environment, as every snippet does."""

from __future__ import annotations

import html
from datetime import UTC, datetime

from markdown_it import MarkdownIt

from lib.conversation import ChatMessage, metrics_line, shows_metrics
from lib.request import HttpRequest
from lib.snippets import render

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"
STYLE = """
body { font: 16px/1.55 system-ui, -apple-system, "Segoe UI", sans-serif; max-width: 52rem; margin: 2rem auto;
       padding: 0 1rem; color: #1f2328; background: #fff; }
h1 { font-size: 1.6rem; margin-bottom: 0.2rem; }
.meta { color: #57606a; margin-top: 0; }
.msg { border: 1px solid #d0d7de; border-radius: 8px; padding: 0.6rem 1rem; margin: 0.8rem 0; }
.msg.user { background: #f6f8fa; }
.role { font-weight: 600; font-size: 0.85rem; text-transform: uppercase; color: #57606a; }
.metrics { color: #57606a; font-size: 0.9rem; }
pre { background: #f6f8fa; border: 1px solid #d0d7de; border-radius: 6px; padding: 0.7rem; overflow-x: auto;
      white-space: pre-wrap; word-break: break-word; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 0.9em; }
@media (prefers-color-scheme: dark) {
  body { color: #e6edf3; background: #0d1117; } .msg { border-color: #30363d; } .msg.user { background: #161b22; }
  pre { background: #161b22; border-color: #30363d; } .meta, .role, .metrics { color: #8d96a0; }
}
"""
ROLES = {"user": "You", "assistant": "Model", "tool": "Tool", "system": "System"}


def _markdown() -> MarkdownIt:
    # Raw HTML in model text is shown as text; images would load a remote resource, so they are off
    # (their text stays); markdown-it's own link check refuses javascript: and the like.
    return MarkdownIt("commonmark", {"html": False}).enable("table").disable("image")


def _shown(messages: list[ChatMessage]) -> list[ChatMessage]:
    return [m for m in messages if m.role in ROLES and (m.content or m.error or m.refusal)]


def _text(msg: ChatMessage) -> str:
    parts = [msg.content]
    if msg.refusal:
        parts.append(f"Refused: {msg.refusal}")
    if msg.error:
        parts.append(f"Error: {msg.error}")
    return "\n\n".join(p for p in parts if p)


def handout_html(title: str, subtitle: str, messages: list[ChatMessage], request: HttpRequest | None) -> str:
    """One HTML file: the conversation, the metrics, the last request as cURL and Python."""
    md = _markdown()
    esc = html.escape
    body = [f"<h1>{esc(title)}</h1>", f'<p class="meta">{esc(subtitle)}</p>']
    for msg in _shown(messages):
        body.append(f'<section class="msg {esc(msg.role)}"><div class="role">{esc(ROLES[msg.role])}</div>')
        body.append(md.render(_text(msg)))
        if shows_metrics(msg):
            body.append(f'<div class="metrics">{md.renderInline(metrics_line(msg))}</div>')
        body.append("</section>")
    if request is not None:
        body.append("<h2>The last request as code</h2>")
        body.append("<p>The key is read from the environment; it is not in this file.</p>")
        for label, language in (("cURL", "curl"), ("Python", "python")):
            body.append(f"<h3>{label}</h3><pre><code>{esc(render(request, language))}</code></pre>")
    made = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    body.append(f'<p class="meta">Made with Workbench, {made}.</p>')
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)}</title><style>{STYLE}</style></head>\n<body>\n" + "\n".join(body) + "\n</body></html>\n"
    )


def handout_markdown(title: str, subtitle: str, messages: list[ChatMessage], request: HttpRequest | None) -> str:
    """The same hand-out as Markdown (model text as it came, each message under its role)."""
    out = [f"# {title}", "", subtitle, ""]
    for msg in _shown(messages):
        out += [f"## {ROLES[msg.role]}", "", _text(msg), ""]
        if shows_metrics(msg):
            out += [metrics_line(msg), ""]
    if request is not None:
        out += ["## The last request as code", "", "The key is read from the environment; it is not in this file.", ""]
        for label, language, fence in (("cURL", "curl", "bash"), ("Python", "python", "python")):
            out += [f"### {label}", "", f"````{fence}", render(request, language), "````", ""]
    return "\n".join(out)
