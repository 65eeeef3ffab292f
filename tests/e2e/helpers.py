"""Observing the page without sleeps: a MutationObserver records what a locator showed over time."""

from __future__ import annotations

from playwright.sync_api import Page

_RECORD = """
(selector) => {
  window.__lengths = [];
  const seen = () => {
    const nodes = document.querySelectorAll(selector);
    const last = nodes[nodes.length - 1];
    const n = last ? last.innerText.length : 0;
    if (window.__lengths[window.__lengths.length - 1] !== n) window.__lengths.push(n);
  };
  new MutationObserver(seen).observe(document.body, {subtree: true, childList: true, characterData: true});
}
"""


def record_text_lengths(page: Page, selector: str) -> None:
    """Start recording every distinct text length of the last element matching `selector`."""
    page.evaluate(_RECORD, selector)


def recorded_lengths(page: Page) -> list[int]:
    return list(page.evaluate("window.__lengths"))
