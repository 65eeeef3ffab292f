"""Leaderboard maths: FastChat's online Elo (K=4, scale 400, base 10, start 1000, ties 0.5), its
bootstrap interval and the win-rate matrix, with property tests of what a rating must do."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lib.leaderboard import (
    START,
    Battle,
    battles_from_vote,
    elo,
    expected,
    leaderboard,
    update,
    win_rates,
)

MODELS = ["m1", "m2", "m3", "m4"]
winners = st.sampled_from(["a", "b", "tie", "bothbad"])
pairs = st.lists(st.sampled_from(MODELS), min_size=2, max_size=2, unique=True)
battles = st.lists(st.builds(lambda p, w: Battle(p[0], p[1], w), pairs, winners), max_size=60)
INVERSE = {"a": "b", "b": "a", "tie": "tie", "bothbad": "bothbad"}


def test_one_win_from_the_start_is_plus_and_minus_two() -> None:
    # Equal ratings expect 0.5 each: K * (1 - 0.5) = 2.
    assert elo([Battle("x", "y", "a")]) == {"x": 1002.0, "y": 998.0}
    assert expected(1400, 1000) == pytest.approx(1 / (1 + 10 ** (-1)))


@given(battles, st.sampled_from(MODELS))
def test_a_model_that_wins_every_vote_ranks_first(others: list[Battle], champion: str) -> None:
    # Every vote has the champion in it, on either side, and the champion wins it.
    votes = []
    for i, b in enumerate(others):
        rival = b.a if b.a != champion else b.b
        votes.append(Battle(champion, rival, "a") if i % 2 else Battle(rival, champion, "b"))
    if not votes:
        return
    table = leaderboard(votes, rounds=20)
    assert table[0].model == champion
    assert all(r.rating < table[0].rating for r in table[1:])


@given(battles)
def test_swapping_a_and_b_with_the_inverse_outcome_gives_the_same_ratings(votes: list[Battle]) -> None:
    swapped = [Battle(b.b, b.a, INVERSE[b.winner]) for b in votes]  # type: ignore[arg-type]
    got, want = elo(swapped), elo(votes)
    assert got.keys() == want.keys()
    for model in want:
        assert got[model] == pytest.approx(want[model], abs=1e-9)


@given(st.floats(600, 1400), st.floats(600, 1400), st.sampled_from(["tie", "bothbad"]))
def test_a_tie_moves_ratings_toward_each_other(ra: float, rb: float, tie: str) -> None:
    na, nb = update(ra, rb, tie)  # type: ignore[arg-type]
    if math.isclose(ra, rb):
        assert na == pytest.approx(ra) and nb == pytest.approx(rb)
        return
    assert abs(na - nb) < abs(ra - rb)
    # Each moves toward the other and neither passes it.
    assert (na - ra) * (rb - ra) > 0 and (nb - rb) * (ra - rb) > 0
    assert (na - nb) * (ra - rb) > 0


@given(battles)
def test_elo_is_zero_sum(votes: list[Battle]) -> None:
    ratings = elo(votes)
    assert sum(ratings.values()) == pytest.approx(START * len(ratings))


def test_bootstrap_interval_holds_the_rating_and_counts_battles() -> None:
    votes = [Battle("x", "y", "a")] * 30 + [Battle("x", "y", "b")] * 10 + [Battle("y", "z", "tie")] * 5
    table = leaderboard(votes, rounds=100)
    assert [r.model for r in table] == ["x", "z", "y"]
    x = table[0]
    assert x.lower <= x.rating <= x.upper and x.lower < x.upper
    assert {r.model: r.battles for r in table} == {"x": 40, "y": 45, "z": 5}


def test_win_rate_matrix_counts_ties_as_half() -> None:
    votes = [Battle("x", "y", "a"), Battle("y", "x", "a"), Battle("x", "y", "tie"), Battle("x", "z", "a")]
    table = win_rates(votes)
    assert list(table.index) == ["x", "y", "z"] == list(table.columns)
    assert table.loc["x", "y"] == pytest.approx(0.5)
    assert table.loc["x", "z"] == 1.0 and table.loc["z", "x"] == 0.0
    assert math.isnan(table.loc["y", "z"])


def test_votes_become_battles() -> None:
    assert battles_from_vote(["p", "q"], 1) == [Battle("q", "p", "a")]
    assert battles_from_vote(["p", "q", "r"], 0) == [Battle("p", "q", "a"), Battle("p", "r", "a")]
    assert battles_from_vote(["p", "q", "r"], "tie") == [
        Battle("p", "q", "tie"),
        Battle("p", "r", "tie"),
        Battle("q", "r", "tie"),
    ]
    assert battles_from_vote(["p", "p"], "bothbad") == []  # one model at two settings rates nothing
