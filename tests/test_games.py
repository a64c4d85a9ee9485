"""Formal analysis (MODEL.md V1–V5): each analytic value against the solver and a simulation."""

from __future__ import annotations

import json
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import backscratch as bs
from backscratch.cli import main
from backscratch.core.errors import ScenarioError
from backscratch.core.schema import load_scenario
from backscratch.dyad import extensive
from backscratch.theory import analytic
from backscratch.theory import normal_form as nf

# ------------------------------------------------------------------ V5: Oye's five games

EXPECTED_PURE = {  # (row strategy, column strategy), 0 = cooperate, 1 = defect
    "prisoners_dilemma": {(1, 1)},
    "stag_hunt": {(0, 0), (1, 1)},
    "chicken": {(0, 1), (1, 0)},
    "deadlock": {(1, 1)},
    "harmony": {(0, 0)},
}
HAS_MIXED = {"stag_hunt", "chicken"}


@pytest.mark.parametrize("name", list(nf.ORDERINGS))
def test_v5_oye_games_against_the_independent_solver(name):
    game = nf.oye_catalogue()[name]
    gambit, closed = nf.solve(game), nf.solve_2x2(game)
    assert gambit == closed  # pygambit enummixed == closed form, exactly (fractions)
    pure = {(e.row.index(1), e.col.index(1)) for e in gambit if 1 in e.row and 1 in e.col}
    assert pure == EXPECTED_PURE[name]
    mixed = [e for e in gambit if 1 not in e.row]
    assert bool(mixed) == (name in HAS_MIXED)
    for e in gambit:
        assert nf.is_equilibrium(game, e.row, e.col)
    if mixed:  # symmetric 4-3-2-1 games: both mix 1/2
        assert mixed[0].row == (Fraction(1, 2), Fraction(1, 2))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(-5, 5), min_size=8, max_size=8))
def test_random_2x2_games_agree_with_the_closed_form(values):
    a = np.array(values[:4], dtype=float).reshape(2, 2)
    b = np.array(values[4:], dtype=float).reshape(2, 2)
    # the closed form covers non-degenerate games: no ties in either player's replies
    if a[0, 0] == a[1, 0] or a[0, 1] == a[1, 1] or b[0, 0] == b[0, 1] or b[1, 0] == b[1, 1]:
        return
    game = nf.Bimatrix(a, b)
    assert nf.solve(game) == nf.solve_2x2(game)


def test_degenerate_games_keep_every_extreme_equilibrium():
    """A tie gives a continuum; enummixed returns its extreme points (support enumeration
    alone, as in nashpy, can miss them)."""
    game = nf.Bimatrix(np.array([[1.0, 1.0], [0.0, 0.0]]), np.array([[1.0, 1.0], [1.0, 1.0]]))
    eqs = nf.solve(game)
    assert {(e.row, e.col) for e in eqs} >= {((1, 0), (1, 0)), ((1, 0), (0, 1))}
    assert all(nf.is_equilibrium(game, e.row, e.col) for e in eqs)


def test_general_bimatrix_rock_paper_scissors():
    rps = [[[0, 0], [-1, 1], [1, -1]], [[1, -1], [0, 0], [-1, 1]], [[-1, 1], [1, -1], [0, 0]]]
    (eq,) = nf.solve(nf.Bimatrix.from_payoffs(rps))
    assert eq.row == (Fraction(1, 3),) * 3 and eq.col == (Fraction(1, 3),) * 3


# ------------------------------------------------------------------ V1: TFT threshold


def test_v1_tft_threshold_formula_solver_and_simulation():
    assert analytic.tft_threshold(5, 3, 1, 0) == pytest.approx(2 / 3)
    r = bs.solve("tft-threshold")
    assert r["w_star"] == pytest.approx(2 / 3) and r["agrees"]
    above = analytic.tft_invasion_simulated(5, 3, 1, 0, 0.72)
    below = analytic.tft_invasion_simulated(5, 3, 1, 0, 0.62)
    assert above["tft"] > above["all_d"] and above["tft"] > above["alternator"]
    assert below["alternator"] > below["tft"]  # invaded below w*
    # ALL D alone invades only below (T-R)/(T-P) = 1/2.
    assert (
        analytic.tft_invasion_simulated(5, 3, 1, 0, 0.45)["all_d"]
        > (analytic.tft_invasion_simulated(5, 3, 1, 0, 0.45)["tft"])
    )
    # Simulated means match the closed forms: R/(1-w) and T + wP/(1-w).
    w = 0.72
    assert above["tft"] == pytest.approx(3 / (1 - w), rel=0.01)
    assert above["all_d"] == pytest.approx(5 + w * 1 / (1 - w), rel=0.01)


# ------------------------------------------------------------------ V2: chain store


def test_v2_chain_store_entry_rule_and_cascade():
    assert analytic.chain_store_entry_rounds(0.1, 0.5, 10) == [3, 2, 1]
    r = bs.solve("chain-store", prior=0.1, stake=0.5, rounds=10)
    assert r["entry_rounds_left"] == [3, 2, 1] and r["agrees"]
    sim = r["simulated"]
    assert all(sim["entry_by_rounds_left"][k] == 0.0 for k in range(4, 11))
    assert sim["entry_by_rounds_left"][3] == 1.0
    assert sim["entry_after_concession"] and all(e == 1.0 for e in sim["entry_after_concession"])
    assert analytic.chain_store_entry_rounds(0.3, 0.5, 10) == [1]  # b^1 > 0.3 > b^2


# ------------------------------------------------------------------ V3: Drezner


@pytest.mark.parametrize("rho", [0.2, 0.5, 0.8, 1.0])
@pytest.mark.parametrize("c_t", [0.5, 1.0, 2.0, 4.0])
@pytest.mark.parametrize("c_s", [0.25, 1.0, 3.0])
def test_v3_drezner_over_a_grid(rho, c_t, c_s):
    credible = rho * c_t > c_s
    assert analytic.drezner_credible(rho, c_t, c_s) == credible
    d = analytic.drezner_max_concession(rho, c_t, c_s)
    assert d == (pytest.approx((c_t - rho * c_s) / (1 + rho)) if credible else 0.0)
    assert analytic.drezner_max_concession_searched(rho, c_t, c_s) == pytest.approx(
        d, abs=2 * c_t / 200_000 + 1e-12
    )


# ------------------------------------------------------------------ V4: Sechser


@pytest.mark.parametrize("p", [0.0, 0.3, 0.8])
def test_v4_sechser_acceptance_is_independent_of_p(p):
    c_t, c_c, R = 1.0, 0.5, 2.0
    sim = analytic.sechser_simulated(p, c_t, c_c, R, seed=3)
    assert sim["z_star"] == pytest.approx(analytic.sechser_optimal_demand(p, c_t, c_c), abs=0.02)
    assert sim["acceptance"] == pytest.approx((c_t + c_c) / (2 * R), abs=0.01)
    assert bs.solve("sechser", p=p)["agrees"]


# --------------------------------------------------------------- the dyad vs Gambit


@pytest.mark.parametrize(
    "over",
    [{}, {"threat.credibility": 0.2}, {"target.prior_pliable": 0.9}, {"offer.reliability": 0.3}],
)
@pytest.mark.parametrize("policy", ["blackmail", "backscratching", "mixed"])
def test_one_shot_dyad_agrees_with_gambit_logit(over, policy):
    sc = load_scenario("oye-dyad", over)
    ours = extensive.backscratch_one_shot(sc, policy)
    theirs = extensive.gambit_one_shot(sc, policy)
    for k in ours:
        assert ours[k] == pytest.approx(theirs[k], abs=1e-3), (k, over, policy)
        assert min(ours[k], 1 - ours[k]) < 1e-3  # a pure sequential equilibrium


def test_one_shot_changes_with_the_parameters():
    """Not a constant: low credibility stops the pliable type giving in to threats."""
    low = extensive.gambit_one_shot(
        load_scenario("oye-dyad", {"threat.credibility": 0.2}), "blackmail"
    )
    high = extensive.gambit_one_shot(load_scenario("oye-dyad"), "blackmail")
    assert low["pliable"] < 0.01 < 0.99 < high["pliable"]


@pytest.fixture(scope="module")
def dyad_solve():
    """``bs.solve("oye-dyad")`` and the progress ticks it gave."""
    ticks: list[tuple[int, int]] = []
    out = bs.solve("oye-dyad", runs=400, progress=lambda done, total: ticks.append((done, total)))
    return out, ticks


@pytest.fixture(scope="module")
def dyad_solution(dyad_solve):
    return dyad_solve[0]


def test_dyad_solve_reports_progress_after_each_solve(dyad_solve):
    """One tick per solve: the table, each policy's diagnostics and each comparative-statics
    point of each policy (1 + 3 x (1 + 6 + 5) = 37), counting up to the total."""
    assert dyad_solve[1] == [(k, 37) for k in range(1, 38)]


def test_dyad_comparative_statics(dyad_solution):
    cs = dyad_solution["comparative_statics"]
    coop = cs["shadow"]["cooperation_rate"]
    assert coop["blackmail"][0] > coop["blackmail"][-1] + 0.4  # the shadow of the future
    # the shadow of the future moves threats' cooperation, and offers' hardly at all
    spread = {p: max(v) - min(v) for p, v in coop.items()}
    assert spread["backscratching"] < 0.1 * spread["blackmail"]
    m = cs["third_parties"]["cooperation_rate"]["blackmail"]
    assert m[0] > m[-1] + 0.2  # more watchers, less giving in
    assert all(r["agree"] for r in dyad_solution["one_shot"].values())
    assert dyad_solution["equilibrium"]["residual"] < 1e-9


# --------------------------------------------------------------------- CLI contracts


def test_solve_oye_2x2_json_contract(capsys):
    assert main(["solve", "oye-2x2", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data["games"]) == set(nf.ORDERINGS)
    for g in data["games"].values():
        assert np.array(g["payoffs"]).shape == (2, 2, 2)
        for e in g["equilibria"]:
            assert set(e) == {"row", "col", "payoffs"} and len(e["payoffs"]) == 2


def test_solve_json_contracts(capsys):
    assert main(["solve", "tft-threshold", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["w_star"] == pytest.approx(2 / 3)
    assert (
        main(
            [
                "solve",
                "chain-store",
                "--set",
                "prior=0.1",
                "--set",
                "stake=0.5",
                "--set",
                "rounds=10",
                "--format",
                "json",
            ]
        )
        == 0
    )
    assert json.loads(capsys.readouterr().out)["entry_rounds_left"] == [3, 2, 1]


def test_solve_plot(tmp_path, capsys):
    fig = tmp_path / "statics.svg"
    assert main(["solve", "oye-dyad", "--set", "runs=200", "--plot", str(fig)]) == 0
    assert fig.read_text().lstrip().startswith("<?xml")


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["solve", "nash"], "unknown problem 'nash'"),
        (["solve", "tft-threshold", "--set", "T=abc"], "T must be a number"),
        (["solve", "tft-threshold", "--set", "Q=1"], "unknown parameter 'Q'"),
        (["solve", "tft-threshold", "--set", "T=2"], "need T > R > P > S"),
        (["solve", "oye-2x2", "--set", "payoffs=[[1,2],[3,4]]"], "n x m matrix of [row, column]"),
        (["solve", "oye-2x2", "--set", "payoffs=[[[1,x],[3,4]]]"], "payoffs must be numbers"),
        (["solve", "chain-store", "--set", "prior=1.5"], "prior must be in (0, 1)"),
        (["solve", "chain-store", "--set", "rounds=2.5"], "rounds must be a whole number"),
        (["solve", "oye-dyad", "--set", "shadow=2"], "shadow: input should be less"),
        (["solve", "drezner", "--plot", "x.png"], "only oye-dyad has"),
    ],
)
def test_solve_bad_input(capsys, args, needle):
    assert main(args) == 2
    err = capsys.readouterr().err
    assert needle in err and err.count("\n") == 1


def test_bimatrix_validation():
    with pytest.raises(ScenarioError, match="finite"):
        nf.Bimatrix.from_payoffs([[[1, float("nan")]]])
