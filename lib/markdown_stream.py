"""Where a streaming Markdown answer can be frozen: the finished part is drawn once and kept, only the
unfinished tail is redrawn. No Streamlit here; ui/live_markdown.py draws what this decides."""

from __future__ import annotations

LONG_TAIL = 2000  # characters after which an unfinished paragraph is frozen at a line or space


def cut_point(text: str, start: int) -> int:
    """Where the finished part of `text[start:]` ends: after its last blank line outside code, or, for
    a long unfinished paragraph, after its last line break or space. `start` is never inside code."""
    chunk = text[start:]
    in_fence, cut, pos = False, 0, 0
    for line in chunk.splitlines(keepends=True):
        pos += len(line)
        stripped = line.lstrip()
        if stripped.startswith(("```", "~~~")):
            in_fence = not in_fence
        elif not in_fence and not stripped and pos < len(chunk):
            cut = pos
    if not in_fence and len(chunk) - cut > LONG_TAIL:
        tail_break = max(chunk.rfind("\n", cut), chunk.rfind(" ", cut))
        if tail_break > cut:
            cut = tail_break + 1
    return start + cut
