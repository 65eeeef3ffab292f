"""Compare's screenshots for docs/: three panes mid-stream (a real app in Debian's Chromium, the
stand-in answering each model at its own speed), and the Leaderboard tab over a set of stored votes.
Usage: .venv/bin/python scripts/compare_screenshots.py   (writes docs/compare-*.png)
"""

from __future__ import annotations

import os
import random
import re
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from lib.store import LOCAL_OWNER, open_store  # noqa: E402
from lib.store import compare as store_compare  # noqa: E402
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, IDLE, start_app, stop_app  # noqa: E402
from tests.e2e.test_compare import PerModel  # noqa: E402
from tests.support.stand_in import Behaviour  # noqa: E402

DOCS = ROOT / "docs"
ANSWER = (
    "Ships float because they push aside a weight of water equal to their own weight before they sink "
    "that deep. A steel hull is mostly air, so its average density is far below the water's.\n\n"
    "- **Displacement**: the hull's volume below the waterline times the water's density.\n"
    "- **Buoyancy** acts at the centre of that volume and pushes up.\n"
    "- **Stability** comes from the metacentre sitting above the centre of gravity.\n\n"
    "```python\ndef floats(mass_kg: float, hull_volume_m3: float, water=1025.0) -> bool:\n"
    "    return mass_kg < hull_volume_m3 * water\n```\n"
)
PANES = {"gpt-oss-120b": 120, "qwen-model-02": 45, "mistral-model-01": 20}  # tokens per second


def tokens() -> list[str]:
    return re.findall(r"\S+\s*|\s+", ANSWER)


def main() -> None:
    os.environ["WORKBENCH_HOME"] = home = tempfile.mkdtemp(prefix="shots-compare-")
    store = open_store(f"sqlite:///{home}/workbench.db")
    rng = random.Random(7)
    strength = {"gpt-oss-120b": 0.7, "qwen-model-02": 0.55, "mistral-model-01": 0.4, "deepseek-model-20": 0.5}
    for _ in range(160):  # stored votes, as blind rounds leave them
        a, b = rng.sample(list(strength), 2)
        roll = rng.random()
        outcome: int | str = (
            "tie" if roll < 0.1 else (0 if rng.random() < strength[a] / (strength[a] + strength[b]) else 1)
        )
        store_compare.record_vote(
            store, LOCAL_OWNER, store_compare.new_group(), outcome, [f"{a} · Oxen.ai", f"{b} · Oxen.ai"]
        )
    store.close()
    server = PerModel().start()
    for model, rate in PANES.items():
        server.by_model[model] = Behaviour(tokens=tokens(), token_interval=1.0 / rate)
    app = start_app({"OXEN_BASE_URL": server.base_url, "OXEN_API_KEY": "sk-demo", "WORKBENCH_HOME": home}, "shots")
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for scheme in ("light", "dark"):
                context = browser.new_context(viewport={"width": 1440, "height": 900}, color_scheme=scheme)  # type: ignore[arg-type]
                page = context.new_page()
                page.goto(f"{app.url}/compare?{urlencode({'provider': 'oxen', 'models': ','.join(PANES)})}")
                page.wait_for_selector(".st-key-pane-2", timeout=60_000)
                page.wait_for_selector(IDLE, timeout=60_000)
                box = page.get_by_placeholder("Send a message")
                box.fill("Why do ships float?")
                box.press("Enter")
                # Mid-stream: the fastest pane has its code block, the slowest is still in its first lines.
                page.locator(".st-key-pane-0").get_by_text("def floats").wait_for(timeout=60_000)
                page.mouse.move(0, 0)
                page.screenshot(path=str(DOCS / f"compare-streaming-{scheme}.png"))
                page.wait_for_selector(IDLE, timeout=120_000)
                page.get_by_role("tab", name="Leaderboard").click()
                page.get_by_text("Elo ratings").wait_for(timeout=60_000)
                page.wait_for_function("document.querySelectorAll(\"[data-testid='stSkeleton']\").length === 0")
                page.wait_for_timeout(1500)  # a picture, not a test: Vega draws its chart after the run
                page.screenshot(path=str(DOCS / f"compare-leaderboard-{scheme}.png"), full_page=True)
                context.close()
            browser.close()
    finally:
        stop_app(app)
        server.stop()
    print("wrote", ", ".join(sorted(p.name for p in DOCS.glob("compare-*.png"))))


if __name__ == "__main__":
    main()
