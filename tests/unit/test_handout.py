"""The hand-out: model text drawn as Markdown with its HTML escaped and its images and script links
left out, a Content Security Policy that forbids scripts and remote loads, the metrics, and the last
request as cURL that runs against the stand-in and sends the app's own body, with no key in the file."""

from __future__ import annotations

import html
import json
import re
from html.parser import HTMLParser
from pathlib import Path

from lib.conversation import ChatMessage
from lib.events import Metrics, Usage
from lib.handout import handout_html, handout_markdown
from lib.providers import Provider
from lib.request import ChatRequest, Message, to_http
from tests.support.stand_in import StandIn
from tests.unit.test_snippets import SECRET, pairs, run_snippet

HOSTILE = (
    "Here is **bold** and a list:\n\n- one\n- two\n\n<script>alert(1)</script>\n\n"
    '<img src="http://evil.example/a.png" onerror="alert(2)">\n\n![pic](http://evil.example/b.png)\n\n'
    "[click](javascript:alert(3)) and [docs](https://example.org/docs)"
)


class _Tags(HTMLParser):
    """Every element and attribute the browser would build from the file."""

    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()
        self.attributes: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.names.add(tag)
        self.attributes += [(k, v) for k, v in attrs if tag != "meta"]


def _conversation() -> list[ChatMessage]:
    answer = ChatMessage(2, "assistant", HOSTILE, status="complete")
    answer.metrics = Metrics(ttft=0.12, latency=1.5, tokens_per_s=42.0, cost=0.0)
    answer.usage = Usage(5, 40, 45)
    return [ChatMessage(1, "user", "Show me <b>markup</b>."), answer]


def _request(oxen: Provider) -> ChatRequest:
    messages = [Message("user", "Show me <b>markup</b>."), Message("assistant", HOSTILE), Message("user", "Again")]
    return ChatRequest(oxen, "gpt-oss-120b", messages, {"temperature": 0.5})


def test_the_html_is_safe_and_self_contained(oxen: Provider) -> None:
    page = handout_html("Demo", "gpt-oss-120b · Oxen.ai", _conversation(), to_http(_request(oxen)))
    tags = _Tags()
    tags.feed(page)
    assert {"html", "head", "body", "pre", "code", "strong", "li", "a"} <= tags.names
    assert not tags.names & {"script", "img", "link", "iframe", "object", "embed", "audio", "video", "source"}
    assert not [a for a in tags.attributes if a[0].startswith("on") or a[0] == "src"]
    hrefs = [v or "" for k, v in tags.attributes if k == "href"]  # a link loads nothing until clicked
    assert "https://example.org/docs" in hrefs and not [h for h in hrefs if h.lower().startswith("javascript")]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "default-src 'none'" in page and "script-src" not in page  # scripts fall under default-src 'none'
    assert "<strong>bold</strong>" in page and "<li>one</li>" in page
    assert "TTFT" in page and "Latency" in page and "Tokens/s" in page and "Cost" in page
    assert "&lt;b&gt;markup&lt;/b&gt;" in page
    assert SECRET not in page


def test_its_curl_runs_against_the_stand_in(oxen: Provider, stand_in: StandIn, tmp_path: Path) -> None:
    wire = to_http(_request(oxen))
    page = handout_html("Demo", "", _conversation(), wire)
    blocks = re.findall(r"<h3>cURL</h3><pre><code>(.*?)</code></pre>", page, re.S)
    assert len(blocks) == 1
    done = run_snippet(html.unescape(blocks[0]), "curl", tmp_path)
    assert done.returncode == 0, done.stderr
    [received] = stand_in.chat_requests()
    assert received.headers["authorization"] == f"Bearer {SECRET}"
    assert pairs(received.body) == pairs(json.dumps(wire.body))


def test_the_markdown_has_the_text_metrics_and_code(oxen: Provider) -> None:
    text = handout_markdown("Demo", "gpt-oss-120b", _conversation(), to_http(_request(oxen)))
    assert HOSTILE in text and "**TTFT**" in text
    assert "### cURL" in text and "### Python" in text and "OXEN_API_KEY" in text
    assert SECRET not in text
