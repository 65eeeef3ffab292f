#!/usr/bin/env bash
# Sets up .venv from the hashed lock files, with uv: requirements.txt for the app, or with `dev`
# requirements-dev.txt (the app's packages at the same versions, plus the test tools). Idempotent: a
# second run checks stamps and returns in about a second.
# Usage: scripts/setup.sh [runtime|dev]
#        scripts/setup.sh uv           make sure the pinned uv is there and print its path
#        scripts/setup.sh lock         re-resolve pyproject.toml into uv.lock and export requirements*.txt
#        scripts/setup.sh check-lock   fail when uv.lock or requirements*.txt lag behind pyproject.toml
set -euo pipefail
cd "$(dirname "$0")/.."

MODE="${1:-runtime}"
PY="${PYTHON:-python3}"
VENV=.venv
CACHE="${WORKBENCH_CACHE:-$HOME/.cache/workbench}"
UV_VERSION="$(sed -n 's/^uv==\([0-9.]*\).*/\1/p' requirements-uv.txt)"
UV_HOME="$CACHE/tools/uv-$UV_VERSION"
UV="$UV_HOME/bin/uv"
# Portable llama.cpp: the default CPU-tuned build segfaults on the first completion on these machines.
LLAMA_CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX2=ON -DGGML_AVX512=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF"
WHEELS="$CACHE/wheels/portable"
RUNTIME_FILES=(uv.lock requirements.txt requirements-uv.txt scripts/setup.sh)
DEV_FILES=(uv.lock requirements-dev.txt requirements-uv.txt scripts/setup.sh)
# uv runs on the machine's python3; it must never fetch an interpreter of its own.
export UV_PYTHON_DOWNLOADS=never

say() { printf '[setup] %s\n' "$*" >&2; }

stamp_ok() {  # stamp_ok NAME FILES...: true when FILES are unchanged since the last install
  local name=$1; shift
  [ -f "$VENV/.stamp-$name" ] && [ "$(cat "$@" | sha256sum)" = "$(cat "$VENV/.stamp-$name")" ]
}
stamp() { local name=$1; shift; cat "$@" | sha256sum > "$VENV/.stamp-$name"; }

apt_install() {  # apt_install PACKAGE WHY: as root, install a Debian package; otherwise say what to do
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "installing Debian's $1 ($2)"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$1" >/dev/null
  else
    echo "Set-up needs Debian's $1 ($2): install it (sudo apt-get install $1) and run it again." >&2
    exit 1
  fi
}

ensure_uv() {  # uv from PyPI, pinned with hashes, in a venv of its own shared by every clone
  [ -f "$UV_HOME/.complete" ] && return
  say "installing uv $UV_VERSION into $UV_HOME (once per machine)"
  # Debian's python3 has no ensurepip (so no venv) without python3-venv.
  "$PY" -c 'import ensurepip' 2>/dev/null || apt_install python3-venv "Python's venv module, to install uv"
  rm -rf "$UV_HOME"
  "$PY" -m venv "$UV_HOME"
  "$UV_HOME/bin/python" -m pip install --disable-pip-version-check -q --require-hashes -r requirements-uv.txt >&2
  touch "$UV_HOME/.complete"
}

read_llama_pin() {  # sets LLAMA_VERSION and LLAMA_SHA256: llama-cpp-python's source release in uv.lock
  # awk, not Python's tomllib: parsing the whole lock took 0.35 s of a fresh clone's first start.
  local pin
  pin="$(awk '
    /^\[\[package\]\]/ { p = 0 }
    $0 == "name = \"llama-cpp-python\"" { p = 1; n++ }
    p && /^version = / { gsub(/"/, "", $3); v = $3 }
    p && /^sdist = / && match($0, /hash = "sha256:[0-9a-f]+"/) { h = substr($0, RSTART + 15, RLENGTH - 16) }
    END { if (n != 1 || v == "" || h == "") exit 1; print v, h }' uv.lock)" \
    || { echo "uv.lock holds no single llama-cpp-python source release: run make lock." >&2; exit 1; }
  read -r LLAMA_VERSION LLAMA_SHA256 <<< "$pin"
}

ensure_llama_wheel() {  # the portable wheel, built once per machine into the user-level cache
  ls "$WHEELS"/llama_cpp_python-"$LLAMA_VERSION"-*.whl >/dev/null 2>&1 && return
  command -v c++ >/dev/null || apt_install g++ "a C++ compiler, to build llama.cpp"
  say "building llama-cpp-python $LLAMA_VERSION portably into $WHEELS (4-5 minutes, once per machine)"
  local tmp
  tmp="$(mktemp -d)"
  # The source release is checked against uv.lock's hash before it is built. --no-cache-dir: pip's
  # wheel cache ignores CMAKE_ARGS, so it could hand back an earlier CPU-tuned build of this version.
  printf 'llama-cpp-python==%s --hash=sha256:%s\n' "$LLAMA_VERSION" "$LLAMA_SHA256" > "$tmp/pin.txt"
  CMAKE_ARGS="$LLAMA_CMAKE_ARGS" FORCE_CMAKE=1 \
    "$UV_HOME/bin/python" -m pip wheel --disable-pip-version-check --no-cache-dir -q --no-deps \
    --no-binary llama-cpp-python --require-hashes -r "$tmp/pin.txt" -w "$tmp/wheel" >&2
  mkdir -p "$WHEELS"
  # Moved in only when complete, so an interrupted build is started again next time.
  mv "$tmp"/wheel/llama_cpp_python-"$LLAMA_VERSION"-*.whl "$WHEELS"/
  rm -rf "$tmp"
}

install_locked() {  # install_locked NAME LOCK [UV OPTIONS]: the venv holds exactly LOCK's packages and llama.cpp
  local name=$1 lock=$2; shift 2
  read_llama_pin
  ensure_llama_wheel
  # llama.cpp is not in the lock files: its wheel is built here, so its hash is this machine's, not
  # PyPI's (its source was checked against uv.lock before the build; its dependencies are in the lock).
  # Pinned to that file and its hash, it joins the same sync, so there is no moment without it.
  local wheel pin
  wheel="$(ls "$WHEELS"/llama_cpp_python-"$LLAMA_VERSION"-*.whl | head -n 1)"
  # Hashed once (0.2 s for 23 MB); the wheel is never rewritten in place, only moved in whole.
  [ -s "$wheel.sha256" ] || sha256sum "$wheel" | cut -d ' ' -f 1 > "$wheel.sha256"
  pin="llama-cpp-python @ file://$wheel --hash=sha256:$(cat "$wheel.sha256")"
  if [ ! -x "$VENV/bin/python" ]; then
    # A new clone copies this machine's environment for the same lock, bytecode compiled, as hard
    # links (0.2 s): a fresh venv would compile every module on the app's first start (2-3 s of the
    # first answer) or at install (--compile-bytecode, about 17 s on 2 cores).
    local ready
    ready="$(ready_env "$name" "$lock" "$pin")"
    rm -rf "$VENV"  # a half-made one (an interrupted set-up) would take the copy as a subfolder
    cp -al "$ready" "$VENV" 2>/dev/null || { rm -rf "$VENV"; cp -a "$ready" "$VENV"; }
    # That environment was synced to this very lock and wheel (they are in its name): a second sync
    # would only confirm it (0.5 s of the first start).
    return
  fi
  printf '%s\n' "$pin" > "$VENV/.llama-wheel.txt"
  "$UV" pip sync -q --python "$VENV/bin/python" --require-hashes "$@" "$lock" "$VENV/.llama-wheel.txt"
}

ready_env() {  # ready_env NAME LOCK PIN: the path of this machine's environment for LOCK, made once
  local name=$1 lock=$2 pin=$3 key dir tmp
  key="$({ cat "$lock"; echo "$pin"; "$PY" -VV; echo "$UV_VERSION"; } | sha256sum | cut -c 1-16)"
  dir="$CACHE/envs/$name-$key"
  if [ ! -f "$dir/.ready" ]; then
    say "preparing this machine's $name environment for this lock (once; later clones copy it)"
    tmp="$dir.tmp.$$"
    rm -rf "$tmp"
    # Relocatable: its scripts (ruff, mypy, ...) find the copy's own python, wherever it is.
    "$UV" venv -q --relocatable --python "$PY" "$tmp"
    printf '%s\n' "$pin" > "$tmp/.llama-wheel.txt"
    "$UV" pip sync -q --python "$tmp/bin/python" --require-hashes --compile-bytecode "$lock" "$tmp/.llama-wheel.txt"
    touch "$tmp/.ready"
    # Moved in whole; when another set-up finished the same one first, its copy is kept.
    mv -T "$tmp" "$dir" 2>/dev/null || rm -rf "$tmp"
    # Older ones go: a clone made from one holds its own links to the files.
    find "$CACHE/envs" -maxdepth 1 -name "$name-*" ! -name "$name-$key" ! -name "*.tmp.*" -exec rm -rf {} + 2>/dev/null || true
  fi
  echo "$dir"
}

export_locks() {  # export_locks [DIR]: requirements.txt and requirements-dev.txt from uv.lock (into DIR)
  local common=(export --frozen -q --no-emit-project --no-emit-package llama-cpp-python) dir=${1:+$1/}
  "$UV" "${common[@]}" --no-dev -o "${dir}requirements.txt"
  "$UV" "${common[@]}" --all-groups -o "${dir}requirements-dev.txt"
}

case "$MODE" in
  runtime)
    # A current dev set-up holds every runtime package at the same version: `make run` after `make test`
    # keeps the test tools rather than syncing them out (and back in on the next `make test`).
    if ! stamp_ok dev "${DEV_FILES[@]}" && ! stamp_ok runtime "${RUNTIME_FILES[@]}"; then
      ensure_uv
      say "installing the app's packages"
      install_locked runtime requirements.txt
      rm -f "$VENV/.stamp-dev"  # the sync took the test tools out
      stamp runtime "${RUNTIME_FILES[@]}"
    fi
    ;;
  dev)
    if ! stamp_ok dev "${DEV_FILES[@]}"; then
      ensure_uv
      say "installing the app's packages and the test tools"
      # Compiled up front: the tests start the app and the model server many times, and an environment
      # with PYTHONDONTWRITEBYTECODE set would otherwise compile every import on every start.
      install_locked dev requirements-dev.txt --compile-bytecode
      stamp dev "${DEV_FILES[@]}"
      # One resolution: the dev lock holds every runtime package at the runtime lock's version.
      stamp runtime "${RUNTIME_FILES[@]}"
    fi
    CHROMIUM="${WORKBENCH_CHROMIUM:-/usr/bin/chromium}"
    if [ ! -x "$CHROMIUM" ]; then
      if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        apt_install chromium "for the browser tests"
      else
        echo "The browser tests need Chromium at $CHROMIUM: install it (sudo apt-get install chromium) or set WORKBENCH_CHROMIUM to its path." >&2
        exit 1
      fi
    fi
    # The JavaScript snippets are run by the tests with Node.js.
    command -v node >/dev/null || apt_install nodejs "to run the JavaScript snippets in the tests"
    # The store's tests run on PostgreSQL too: they start their own cluster from Debian's binaries.
    if ! compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null; then
      apt_install postgresql "for the history store's tests on PostgreSQL"
    fi
    ;;
  uv)
    ensure_uv
    echo "$UV"
    exit 0
    ;;
  lock)
    ensure_uv
    "$UV" lock -q
    export_locks
    say "uv.lock, requirements.txt and requirements-dev.txt written"
    exit 0
    ;;
  check-lock)
    ensure_uv
    "$UV" lock --check -q || { echo "uv.lock does not match pyproject.toml: run make lock." >&2; exit 1; }
    tmp="$(mktemp -d)"
    export_locks "$tmp"
    for f in requirements.txt requirements-dev.txt; do
      # The header names the output path, which differs here; the packages and hashes must not.
      if ! diff -q <(grep -v '^#' "$f") <(grep -v '^#' "$tmp/$f") >/dev/null; then
        rm -rf "$tmp"
        echo "$f is not what uv.lock exports: run make lock." >&2
        exit 1
      fi
    done
    rm -rf "$tmp"
    exit 0
    ;;
  *)
    echo "Usage: scripts/setup.sh [runtime|dev|uv|lock|check-lock]" >&2
    exit 2
    ;;
esac
say "ready"
