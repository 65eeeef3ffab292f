"""A batch's exports: the results (input columns, output, status, metrics, assertion results) as CSV,
JSONL, Parquet or XLSX, with cells that begin with = + - @ escaped in CSV and XLSX (a spreadsheet would
run them as formulas); the whole batch as a runnable Python script; an OpenAI Batch API input file."""

from __future__ import annotations

import io
import json
import pprint
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import pandas as pd

from lib.batch.jobs import model_runs, template_of
from lib.batch.template import request_for
from lib.request import chat_body, to_http
from lib.store.batch import BatchRecord, BatchStore, Result

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # OWASP's list: what a spreadsheet may take as a formula
METRICS = ["prompt_tokens", "completion_tokens", "ttft", "latency", "cost"]
Grader = Callable[[Mapping[str, str], Result], dict[str, Any]]


def escape_formula(value: Any) -> Any:
    """A text cell that a spreadsheet would read as a formula, prefixed with ' so it stays text."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def with_inputs(store: BatchStore, record: BatchRecord) -> Iterator[tuple[dict[str, str], Result]]:
    """Each result with its row's inputs, in (row, model, repeat) order, a page of rows at a time."""
    cache: dict[int, dict[str, str]] = {}
    for result in store.iter_batch_results(record.id):
        if result.row not in cache:
            cache.clear()  # results come in row order: only the current page of rows is kept
            for row, data in store.batch_rows_from(record.id, result.row - 1, 500):
                cache[row] = data
        yield cache.get(result.row, {}), result


def rows_of(store: BatchStore, record: BatchRecord, grade: Grader | None = None) -> Iterator[dict[str, Any]]:
    """One dict per result, in (row, model, repeat) order: the row's inputs, the model, the output, its
    status, metrics and (with `grade`) each assertion's result."""
    names = [m["model"] for m in record.config["models"]]
    for inputs, result in with_inputs(store, record):
        out: dict[str, Any] = {"row": result.row, **{c: inputs.get(c, "") for c in record.columns}}
        out.update({"model": names[result.model] if result.model < len(names) else str(result.model),
                    "repeat": result.repeat, "output": result.output, "status": result.status,
                    "error": result.error or ""})  # fmt: skip
        out.update({m: getattr(result, m) for m in METRICS})
        if grade is not None:
            out.update(grade(inputs, result))
        yield out


def frame(store: BatchStore, record: BatchRecord, grade: Grader | None = None) -> pd.DataFrame:
    columns = ["row", *record.columns, "model", "repeat", "output", "status", "error", *METRICS]
    rows = list(rows_of(store, record, grade))
    return pd.DataFrame(rows, columns=None if rows else columns)


def to_csv(df: pd.DataFrame) -> bytes:
    return df.map(escape_formula).to_csv(index=False).encode("utf-8")


def to_jsonl(df: pd.DataFrame) -> bytes:
    return "".join(json.dumps(r, ensure_ascii=False, default=str) + "\n" for r in _records(df)).encode("utf-8")


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    return [
        {str(k): (None if isinstance(v, float) and v != v else v) for k, v in r.items()} for r in df.to_dict("records")
    ]


def to_parquet(df: pd.DataFrame) -> bytes:
    buf = io.BytesIO()
    df.to_parquet(buf, index=False)
    return buf.getvalue()


def xlsx_available() -> bool:
    try:
        import openpyxl  # type: ignore[import-untyped]  # noqa: F401
    except ImportError:
        return False
    return True


def to_xlsx(df: pd.DataFrame) -> bytes:
    buf = io.BytesIO()
    df.map(escape_formula).to_excel(buf, index=False, engine="openpyxl")
    return buf.getvalue()


# -- the OpenAI Batch API input file ------------------------------------------------------------------


def batch_api_lines(store: BatchStore, record: BatchRecord) -> Iterator[str]:
    """One JSON line per (row, model, repeat): custom_id, method, url, body. The body is the one the app
    sends, without streaming (the Batch API answers each request whole)."""
    template = template_of(record)
    models = model_runs(record, [None] * len(record.config["models"]))
    repeats = int((record.config.get("options") or {}).get("repeats") or 1)
    after = -1
    while True:
        rows = store.batch_rows_from(record.id, after, 1000)
        if not rows:
            return
        for row, data in rows:
            for index, m in enumerate(models):
                body = chat_body(request_for(template, record.config["mapping"], data, m.provider, m.model, m.params))
                body.pop("stream", None)
                body.pop("stream_options", None)
                for repeat in range(repeats):
                    custom_id = f"row-{row}-model-{index}" + (f"-repeat-{repeat}" if repeats > 1 else "")
                    line = {"custom_id": custom_id, "method": "POST", "url": "/v1/chat/completions", "body": body}
                    yield json.dumps(line, ensure_ascii=False) + "\n"
        after = rows[-1][0]


def batch_api_file(store: BatchStore, record: BatchRecord) -> bytes:
    return "".join(batch_api_lines(store, record)).encode("utf-8")


# -- the runnable Python script -------------------------------------------------------------------------

SCRIPT = '''#!/usr/bin/env python3
"""Workbench batch {title!r}: the same template, models, concurrency and retries as in the app.

    pip install httpx
    python {file_name} DATASET [RESULTS]

DATASET is the data set as CSV, TSV or JSONL (one object a line); RESULTS (default results.jsonl) gets
one JSON line per row, model and repeat. API keys are read from the environment ({key_envs}).
"""

import asyncio
import csv
import json
import os
import random
import re
import sys

import httpx

TEMPLATE = {template}
MAPPING = {mapping}
MODELS = {models}
REPEATS = {repeats}
MAX_RETRIES = {max_retries}  # like the app: retried on 408, 409, 429 and 5xx, waiting Retry-After
PLACEHOLDER = re.compile(r"\\{{\\{{\\s*([A-Za-z_][A-Za-z0-9_]*)\\s*\\}}\\}}")


def fill(text, row):
    def value(m):
        column = MAPPING.get(m.group(1))
        return row.get(column, "") if column else m.group(0)

    return PLACEHOLDER.sub(value, text)


def messages(row):
    out = [{{"role": "system", "content": fill(TEMPLATE["system"], row)}}] if TEMPLATE["system"].strip() else []
    out += [{{"role": role, "content": fill(content, row)}} for role, content in TEMPLATE["history"]]
    return out + [{{"role": "user", "content": fill(TEMPLATE["prompt"], row)}}]


def read_dataset(path):
    with open(path, encoding="utf-8-sig", newline="") as f:
        if path.lower().endswith((".jsonl", ".ndjson")):
            return [{{k: v if isinstance(v, str) else json.dumps(v) for k, v in json.loads(line).items()}}
                    for line in f if line.strip()]
        return list(csv.DictReader(f, delimiter="\\t" if path.lower().endswith(".tsv") else ","))


def read_answer(response, streaming):
    if not streaming:
        data = response.json()
        return data["choices"][0]["message"].get("content") or ""
    text = []
    for line in response.text.splitlines():
        if line.startswith("data:") and line[5:].strip() not in ("", "[DONE]"):
            for choice in json.loads(line[5:]).get("choices", []):
                text.append((choice.get("delta") or {{}}).get("content") or "")
    return "".join(text)


async def one(client, model, row):
    body = {{"model": model["model"], "messages": messages(row), **model["params"]}}
    headers = {{"Content-Type": "application/json", **model["headers"]}}
    key = os.environ.get(model["key_env"] or "", "")
    if key:
        headers[model["auth_header"]] = model["auth_prefix"] + key
    for attempt in range(MAX_RETRIES + 1):
        try:
            response = await client.post(model["url"], json=body, headers=headers)
        except httpx.TransportError as exc:
            error, wait = str(exc), None
        else:
            if response.status_code < 400:
                answer = read_answer(response, bool(body.get("stream")))
                return {{"status": "complete", "output": answer, "error": None}}
            error = f"HTTP {{response.status_code}}: {{response.text[:300]}}"
            if response.status_code not in (408, 409, 429) and response.status_code < 500:
                break
            wait = response.headers.get("retry-after")
        if attempt < MAX_RETRIES:
            try:
                delay = float(wait)
            except (TypeError, ValueError):
                delay = min(0.5 * 2**attempt, 8.0) * (1 - 0.25 * random.random())
            await asyncio.sleep(delay)
    return {{"status": "error", "output": "", "error": error}}


async def main(dataset, results):
    rows = read_dataset(dataset)
    out = []

    async def run(index, model):
        gate = asyncio.Semaphore(model["concurrency"])
        async with httpx.AsyncClient(timeout=httpx.Timeout(60.0, connect=5.0)) as client:

            async def task(row, data, repeat):
                async with gate:
                    out.append({{"row": row, "model": model["model"], "model_index": index, "repeat": repeat,
                                **await one(client, model, data)}})

            await asyncio.gather(*(task(r, d, k) for r, d in enumerate(rows) for k in range(REPEATS)))

    await asyncio.gather(*(run(i, m) for i, m in enumerate(MODELS)))
    out.sort(key=lambda r: (r["row"], r["model_index"], r["repeat"]))
    with open(results, "w", encoding="utf-8") as f:
        for r in out:
            f.write(json.dumps(r, ensure_ascii=False) + "\\n")
    failed = sum(r["status"] != "complete" for r in out)
    print(f"{{len(out)}} results written to {{results}}; {{failed}} failed.")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    asyncio.run(main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "results.jsonl"))
'''


def python_script(record: BatchRecord, file_name: str = "batch.py", max_retries: int = 2) -> str:
    """The batch as a standalone asyncio + httpx script; each model's URL and headers as the app sends
    them (lib/request.to_http), keys read from the environment, never written."""
    template = template_of(record)
    models: list[dict[str, Any]] = []
    for m in model_runs(record, [None] * len(record.config["models"])):
        wire = to_http(request_for(template, {}, {}, m.provider, m.model, m.params))
        body = dict(wire.body or {})
        params = {k: v for k, v in body.items() if k not in ("model", "messages")}
        headers = {k: v for k, v in wire.headers.items() if k.lower() not in ("content-type",)}
        models.append({"url": wire.url, "model": m.model, "params": params, "concurrency": m.concurrency,
                       "headers": headers, "key_env": wire.key_env, "auth_header": wire.auth_header,
                       "auth_prefix": wire.auth_prefix})  # fmt: skip
    envs = sorted({str(m["key_env"]) for m in models if m["key_env"]}) or ["none needed"]
    repeats = int((record.config.get("options") or {}).get("repeats") or 1)
    return SCRIPT.format(
        title=record.title, file_name=file_name, key_envs=", ".join(envs),
        template=pprint.pformat(template.to_json() | {"history": [list(h) for h in template.history]}, width=100),
        mapping=pprint.pformat(dict(record.config["mapping"]), width=100),
        models=pprint.pformat(models, width=100, sort_dicts=False), repeats=repeats, max_retries=max_retries,
    )  # fmt: skip


def column_names(record: BatchRecord, extra: Sequence[str] = ()) -> list[str]:
    return ["row", *record.columns, "model", "repeat", "output", "status", "error", *METRICS, *extra]
