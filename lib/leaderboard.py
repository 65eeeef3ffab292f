"""Ratings from blind votes, as FastChat's arena computes them (fastchat/serve/monitor/elo_analysis.py):
online Elo (K=4, scale 400, base 10, start 1000, a tie scores 0.5) over the votes in the order they
were cast, bootstrap confidence intervals over resampled votes, and the pairwise win-rate matrix."""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

import pandas as pd

K = 4.0
SCALE = 400.0
BASE = 10.0
START = 1000.0

Winner = Literal["a", "b", "tie", "bothbad"]
# A vote as cast on the page: the best pane's index, a tie, or all bad.
Outcome = int | Literal["tie", "bothbad"]


@dataclass(frozen=True)
class Battle:
    """One pairwise result: `a` against `b`, and who won."""

    a: str
    b: str
    winner: Winner


def battles_from_vote(models: Sequence[str], outcome: Outcome) -> list[Battle]:
    """The pairwise battles one vote stands for. Two panes: one battle. More panes ("pick the
    best"): the best beats each other pane; a tie or "both bad" ties every pair. A pane against
    the same model (two temperatures of one model) rates nothing, so it is left out."""
    out: list[Battle] = []
    if isinstance(outcome, int):
        best = models[outcome]
        for i, other in enumerate(models):
            if i != outcome and other != best:
                out.append(Battle(best, other, "a"))
        return out
    for i in range(len(models)):
        for j in range(i + 1, len(models)):
            if models[i] != models[j]:
                out.append(Battle(models[i], models[j], outcome))
    return out


def expected(ra: float, rb: float) -> float:
    """The expected score of a player rated `ra` against one rated `rb`."""
    return 1.0 / (1.0 + float(BASE ** ((rb - ra) / SCALE)))


def update(ra: float, rb: float, winner: Winner) -> tuple[float, float]:
    """Both ratings after one battle."""
    sa = 1.0 if winner == "a" else 0.0 if winner == "b" else 0.5
    ea = expected(ra, rb)
    return ra + K * (sa - ea), rb + K * ((1.0 - sa) - (1.0 - ea))


def elo(battles: Iterable[Battle]) -> dict[str, float]:
    """Online Elo over the battles in order; every model seen starts at 1000."""
    rating: dict[str, float] = {}
    for battle in battles:
        ra, rb = rating.get(battle.a, START), rating.get(battle.b, START)
        rating[battle.a], rating[battle.b] = update(ra, rb, battle.winner)
    return rating


@dataclass(frozen=True)
class Rating:
    model: str
    rating: float
    lower: float  # 2.5th percentile of the bootstrap
    upper: float  # 97.5th percentile
    battles: int


def leaderboard(battles: Sequence[Battle], rounds: int = 200, seed: int = 0) -> list[Rating]:
    """Each model's Elo over all battles, with a 95% interval from `rounds` bootstrap resamples
    (battles drawn with replacement, in shuffled order, as FastChat does); best first."""
    if not battles:
        return []
    point = elo(battles)
    rng = random.Random(seed)
    samples: dict[str, list[float]] = {m: [] for m in point}
    for _ in range(rounds):
        drawn = [battles[rng.randrange(len(battles))] for _ in battles]
        sampled = elo(drawn)
        for model in point:
            samples[model].append(sampled.get(model, START))
    counts: dict[str, int] = dict.fromkeys(point, 0)
    for battle in battles:
        counts[battle.a] += 1
        counts[battle.b] += 1
    out = []
    for model, value in point.items():
        series = pd.Series(samples[model])
        out.append(Rating(model, value, float(series.quantile(0.025)), float(series.quantile(0.975)), counts[model]))
    return sorted(out, key=lambda r: (-r.rating, r.model))


def win_rates(battles: Sequence[Battle]) -> pd.DataFrame:
    """Row model's share of its battles against the column model (a tie counts half); NaN where two
    models never met. Rows and columns in the same order."""
    rows = []
    for battle in battles:
        score = 1.0 if battle.winner == "a" else 0.0 if battle.winner == "b" else 0.5
        rows.append({"row": battle.a, "col": battle.b, "score": score})
        rows.append({"row": battle.b, "col": battle.a, "score": 1.0 - score})
    if not rows:
        return pd.DataFrame()
    frame = pd.DataFrame(rows)
    table = frame.pivot_table(index="row", columns="col", values="score", aggfunc="mean")
    models = sorted(set(frame["row"]))
    table = table.reindex(index=models, columns=models)
    table.index.name, table.columns.name = None, None
    return table
