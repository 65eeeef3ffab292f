"""`make run`: Streamlit in this process, with the embedded model server started at once.

A page only runs once a browser connects, and the Playground then waits for the model server (about
3 s). Started here instead, the server loads while Streamlit starts and the browser opens the page.
The modules the first page imports are loaded (and their bytecode written) once Streamlit is
listening, while the browser loads the page: loaded at once with Streamlit's own start, they held it
back about a second. The page finds the start under way and waits for it rather than starting a
second server, and waits for the imports (ui/startup.py).
Usage: python scripts/run.py [streamlit run options]
"""

from __future__ import annotations

import ast
import importlib
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def streamlit_started() -> bool:
    from streamlit.runtime import Runtime, RuntimeState

    return Runtime.exists() and Runtime.instance().state != RuntimeState.INITIAL


def page_modules() -> list[str]:
    """Our modules that app.py and the first page (the Playground) import, in their order."""
    names: list[str] = []
    for script in (ROOT / "app.py", ROOT / "app_pages" / "playground.py"):
        for node in ast.parse(script.read_text()).body:
            if isinstance(node, ast.ImportFrom) and node.module in ("ui", "lib"):
                names += [f"{node.module}.{alias.name}" for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in ("ui", "lib"):
                names.append(str(node.module))
    return names


def warm() -> None:
    """Once Streamlit listens, import what the first page run imports and bring the history store
    up to date, so the browser's first page waits for neither (in a fresh clone every import also
    compiles)."""
    from ui import startup

    try:
        deadline = time.monotonic() + 60
        while not streamlit_started() and time.monotonic() < deadline:
            time.sleep(0.02)
        for name in page_modules():
            importlib.import_module(name)
        from lib.store import StoreUnavailable, open_store

        try:
            open_store().close()  # migrations run now; the page's own open finds nothing to do
        except StoreUnavailable:
            pass  # the page opens it again and says why history is off
        # Streamlit's once-per-process check for a bare `python app.py` (inspect.stack() with every
        # frame's source) cost the first page 0.1-0.2 s from the script's deep stack; it is cheap here.
        from streamlit import delta_generator

        getattr(delta_generator, "_maybe_print_use_warning", lambda: None)()
    finally:
        startup.finish()


def main() -> None:
    from lib.local_model import start_in_background

    start_in_background()  # the Playground opens on the local model
    # Streamlit and its server are imported here first: imported at once by the warming thread (through
    # ui/) and by this one, the package was seen to deadlock on its import lock and then to be set up
    # twice ("DeltaGeneratorSingleton instance already exists!"), and `make run` exited.
    from streamlit.web import bootstrap, cli  # noqa: F401

    from ui import startup

    startup.begin()  # the page waits for warm() (ui/startup.py)
    threading.Thread(target=warm, name="warm-imports", daemon=True).start()

    sys.exit(cli.main(["run", str(ROOT / "app.py"), *sys.argv[1:]]))


if __name__ == "__main__":
    main()
