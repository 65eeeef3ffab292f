"""`{{name}}` placeholders in messages and the system prompt, filled before a request is made."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")


def names(texts: Iterable[str]) -> list[str]:
    """Placeholder names in first-seen order, each once."""
    seen: dict[str, None] = {}
    for text in texts:
        for m in PLACEHOLDER.finditer(text or ""):
            seen.setdefault(m.group(1), None)
    return list(seen)


def fill(text: str, values: Mapping[str, str]) -> str:
    """The text with each placeholder that has a value replaced; others stay as written."""
    return PLACEHOLDER.sub(lambda m: values.get(m.group(1)) or m.group(0), text)
