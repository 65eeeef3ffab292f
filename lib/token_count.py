"""An estimate of token counts for when a server reports no usage.

No tokenizer can be downloaded at run time, and each model has its own, so this counts the pieces a
GPT-style byte-pair tokenizer starts from (words with their leading space, numbers in groups of three,
runs of punctuation): a common word is one token, a long or rare one about one per five characters,
punctuation about one per two. On English prose it lands within about 15 % of the real count; it is
always labelled "counted by the app", never passed off as the server's figure.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

# GPT-2's pre-tokenizer, with \w standing in for its Unicode letter classes.
_PIECES = re.compile(r"""'(?:[sdmt]|ll|ve|re)| ?[^\W\d_]+| ?\d{1,3}| ?[^\s\w]+|\s+(?!\S)|\s+""")
_WHOLE_WORD = 7  # letters: words up to this long are usually one token in a 100k-entry vocabulary
_CHARS_PER_TOKEN = 5  # longer words


def _is_wide(ch: str) -> bool:
    """CJK and similar scripts: about one token a character."""
    return unicodedata.east_asian_width(ch) in ("W", "F")


def count_tokens(text: str) -> int:
    """Estimated tokens of `text` (0 for an empty string)."""
    total = 0
    for piece in _PIECES.findall(text):
        core = piece.strip()
        if not core:
            total += 1 if "\n" in piece or len(piece) > 1 else 0
            continue
        wide = sum(1 for ch in core if _is_wide(ch))
        rest = len(core) - wide
        if wide or not rest:
            total += wide + (-(-rest // _CHARS_PER_TOKEN) if rest else 0)
        elif core[0].isalpha():
            total += 1 if rest <= _WHOLE_WORD else -(-rest // _CHARS_PER_TOKEN)
        elif core[0].isdigit():
            total += 1
        else:
            total += -(-rest // 2)
    return total


def count_message_tokens(texts: Iterable[str]) -> int:
    """Estimated prompt tokens of chat messages: their text plus a few tokens of framing each."""
    return sum(count_tokens(t) + 4 for t in texts) + 3
