"""A batch as the store keeps it: made from a data set, a template and its models; read back into what
the runner needs (the keys come from the caller, never from the store); progress and the estimate."""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from lib.batch.dataset import Row
from lib.batch.runner import BatchRun, ModelRun, RunOptions
from lib.batch.template import Template
from lib.events import Pricing
from lib.headers import SecretHeader
from lib.providers import Extras, Provider, builtin_providers, with_base_url, with_extras
from lib.share import shared_extras
from lib.store.batch import BatchRecord, BatchStore, Counts, Result
from lib.store.redact import extras_json


def _extras_of(p: Provider) -> Extras:
    return Extras(p.headers, p.secret_headers, p.query, p.auth_header, p.auth_prefix, p.key_env, p.label)


def model_json(m: ModelRun) -> dict[str, Any]:
    """A model as stored: provider, base URL, model, parameters, concurrency, price, and the setup's
    headers, query and key placement (credential headers by name only, as in History); never the key."""
    pricing = None
    if m.pricing is not None:
        pricing = [m.pricing.input_cost_per_token, m.pricing.output_cost_per_token]
    return {"provider_id": m.provider.id, "base_url": m.provider.base_url, "model": m.model, "params": dict(m.params),
            "concurrency": m.concurrency, "pricing": pricing,
            "extras": extras_json(_extras_of(m.provider))}  # fmt: skip


def options_json(o: RunOptions) -> dict[str, Any]:
    return {"repeats": o.repeats, "rpm": o.rpm, "tpm": o.tpm}


def new_batch(
    store: BatchStore, owner: str, title: str, chunks: Iterable[Sequence[Row]], columns: Sequence[str],
    template: Template, mapping: Mapping[str, str | None], models: Sequence[ModelRun], options: RunOptions,
    assertions: Sequence[dict[str, Any]] = (),
) -> str:  # fmt: skip
    """Store a new batch (status draft) and its data set, a chunk at a time; its id."""
    config = {"template": template.to_json(), "mapping": dict(mapping), "models": [model_json(m) for m in models],
              "options": options_json(options), "assertions": list(assertions)}  # fmt: skip
    batch_id = store.create_batch(owner, title, config, columns)
    count = 0
    for chunk in chunks:
        count = store.add_batch_rows(batch_id, count, chunk)
    return batch_id


def provider_for(model: Mapping[str, Any], providers: Mapping[str, Provider] | None = None) -> Provider:
    """The stored model's provider with its base URL and setup, so a run started or resumed from the store
    (after a restart too) sends what the sample sent. Credential headers come back without their value:
    the caller fills them from the session (`with_secret_values`), as it does the key."""
    table = providers or builtin_providers()
    configured = table.get(str(model.get("provider_id"))) or table["custom"]
    provider = configured
    if not configured.local and model.get("base_url") and model["base_url"] != configured.base_url:
        provider = with_base_url(configured, str(model["base_url"]))
    raw = model.get("extras")
    if isinstance(raw, dict) and raw and not configured.local:
        extras, _left_out = shared_extras(raw)
        provider = with_extras(provider, extras)
    return provider


def with_secret_values(provider: Provider, held: Mapping[str, SecretHeader]) -> Provider:
    """The provider's credential headers with the values the session holds for them (by header name);
    one without a held value is not sent, as in the sidebar."""
    if not provider.secret_headers:
        return provider
    filled = tuple(replace(h, value=held[h.name].value) if h.name in held else h for h in provider.secret_headers)
    return replace(provider, secret_headers=filled)


def model_runs(
    record: BatchRecord, keys: Sequence[str | None], providers: Mapping[str, Provider] | None = None
) -> list[ModelRun]:
    """The batch's models ready to run, with the keys the caller resolved (one per model)."""
    out = []
    for i, m in enumerate(record.config["models"]):
        price = m.get("pricing")
        pricing = Pricing(price[0], price[1]) if price else None
        out.append(ModelRun(provider_for(m, providers), m["model"], dict(m.get("params") or {}),
                            int(m.get("concurrency") or 1), keys[i] if i < len(keys) else None, pricing))  # fmt: skip
    return out


def template_of(record: BatchRecord) -> Template:
    return Template.from_json(record.config["template"])


def options_of(record: BatchRecord, below: int | None = None) -> RunOptions:
    o = record.config.get("options") or {}
    return RunOptions(int(o.get("repeats") or 1), below, o.get("rpm"), o.get("tpm"))


def run_for(store: BatchStore, record: BatchRecord, keys: Sequence[str | None], below: int | None = None,
            providers: Mapping[str, Provider] | None = None) -> BatchRun:  # fmt: skip
    """A BatchRun of this stored batch (not started): the rows without a result, below `below` when given."""
    models = model_runs(record, keys, providers)
    return BatchRun(store, record.id, template_of(record), record.config["mapping"], models, options_of(record, below))


# -- progress and the estimate ----------------------------------------------------------------------


@dataclass(frozen=True)
class Progress:
    total: int  # results the full batch will have (rows x models x repeats)
    done: int  # results written, failed included
    failed: int
    rows_per_s: float | None
    tokens_per_s: float | None
    eta_s: float | None
    cost: float | None  # USD so far; None when any price is unknown
    prompt_tokens: int
    completion_tokens: int

    @property
    def fraction(self) -> float:
        return min(1.0, self.done / self.total) if self.total else 0.0


def progress(record: BatchRecord, counts: Mapping[int, Counts], run: BatchRun | None = None,
             at_start: int = 0) -> Progress:  # fmt: skip
    """Done / failed / total, rows/s, tokens/s, ETA and cost so far. The rates come from the live run
    in this process (results it wrote over its time), else from the stored results' time span."""
    repeats = int((record.config.get("options") or {}).get("repeats") or 1)
    total = record.row_count * len(record.config["models"]) * repeats
    done = sum(c.done for c in counts.values())
    failed = sum(c.failed for c in counts.values())
    pt = sum(c.prompt_tokens for c in counts.values())
    ct = sum(c.completion_tokens for c in counts.values())
    cost: float | None = sum(c.cost for c in counts.values())
    if any(not c.cost_known for c in counts.values()):
        cost = None
    rate: float | None = None
    tokens_rate: float | None = None
    if run is not None and run.written:
        elapsed = max(1e-3, time.monotonic() - run.started_at)
        rate = run.written / elapsed
        tokens_rate = ct * (run.written / max(done, 1)) / elapsed
    else:
        firsts = [c.first_at for c in counts.values() if c.first_at]
        lasts = [c.last_at for c in counts.values() if c.last_at]
        if firsts and lasts and done > 1:
            span = (max(lasts) - min(firsts)).total_seconds()
            if span > 0:
                rate, tokens_rate = done / span, ct / span
    eta = (total - done) / rate if rate else None
    return Progress(total, done, failed, rate, tokens_rate, eta, cost, pt, ct)


@dataclass(frozen=True)
class Estimate:
    requests: int
    tokens: int | None
    cost: float | None  # None: unknown (a model has no price)
    seconds: float | None


def estimate(results: Sequence[Result], rows: int, models: Sequence[Mapping[str, Any]], repeats: int = 1) -> Estimate:
    """The full run from the sample's results: requests, tokens, cost ("unknown" when a model's price is)
    and time (each model's mean latency over its concurrency; models run side by side)."""
    requests = rows * len(models) * repeats
    tokens = 0
    cost: float | None = 0.0
    seconds = 0.0
    known_time = True
    for i, m in enumerate(models):
        own = [r for r in results if r.model == i and r.status == "complete"]
        n = rows * repeats
        if not own:
            return Estimate(requests, None, None, None)
        per = [(r.prompt_tokens or 0) + (r.completion_tokens or 0) for r in own]
        tokens += round(sum(per) / len(per) * n)
        costs = [r.cost for r in own]
        if cost is not None and all(c is not None for c in costs):
            cost += sum(c for c in costs if c is not None) / len(costs) * n
        else:
            cost = None
        latencies = [r.latency for r in own if r.latency is not None]
        if latencies:
            seconds = max(seconds, (sum(latencies) / len(latencies)) * n / max(1, int(m.get("concurrency") or 1)))
        else:
            known_time = False
    return Estimate(requests, tokens, cost, seconds if known_time else None)


def duration(seconds: float | None) -> str:
    """A time as people read it: 45 s, 12 min, 3.4 h."""
    if seconds is None:
        return "unknown"
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def money(cost: float | None) -> str:
    if cost is None:
        return "unknown"
    return f"${cost:.4f}" if cost < 1 else f"${cost:,.2f}"


def stamp() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M")
