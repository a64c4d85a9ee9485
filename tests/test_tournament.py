"""Iterated 2×2 tournaments (identical to the Axelrod library) and the coercion tournament.

The Axelrod library is the oracle: its payoff matrices for the deterministic strategies are
committed in ``tests/fixtures/axelrod_reference.json`` (written by
``scripts/make_axelrod_fixture.py``) and, where the library is installed (CI installs the
``oracle`` extra), compared with it live. Its import takes ~10 s, so it is imported once.
"""

from __future__ import annotations

import json
import multiprocessing
import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backscratch.cli import main
from backscratch.core.errors import ScenarioError
from backscratch.core.results import mean_ci
from backscratch.core.schema import load_scenario
from backscratch.theory.normal_form import ORDERINGS, Bimatrix
from backscratch.tournaments import coercion, iterated
from backscratch.tournaments import coercion_strategies as cstrat
from backscratch.tournaments import ipd_strategies as ipd

FIXTURE = json.loads(
    (Path(__file__).parent / "fixtures" / "axelrod_reference.json").read_text(encoding="utf-8")
)
CLASSIC8 = [c.__name__ for c in ipd.CLASSIC if not c.classifier["stochastic"]]
DETERMINISTIC = [n for n, c in ipd.STRATEGIES.items() if not c().classifier["stochastic"]]


@pytest.fixture(scope="module")
def axl():
    """The Axelrod library, imported once; its forced 'spawn' start method is undone."""
    method = multiprocessing.get_start_method(allow_none=True)
    axelrod = pytest.importorskip("axelrod")
    multiprocessing.set_start_method(method, force=True)
    return axelrod


def axelrod_result(axl, names, turns, rpst, repetitions=1):
    r, p, s, t = rpst
    players = [getattr(axl, n)() for n in names]
    tour = axl.Tournament(
        players, turns=turns, repetitions=repetitions, game=axl.Game(r=r, s=s, t=t, p=p)
    )
    return tour.play(progress_bar=False, processes=None)


# ------------------------------------------------------------------ the Axelrod library


def test_classic_eight_are_the_deterministic_classics():
    assert CLASSIC8 == [
        "Cooperator",
        "Defector",
        "TitForTat",
        "Grudger",
        "TitFor2Tats",
        "SuspiciousTitForTat",
        "Alternator",
        "WinStayLoseShift",
    ]


@pytest.mark.parametrize("block", ["classic", "deterministic"])
def test_payoff_matrix_equals_committed_axelrod_fixture(block):
    ref = FIXTURE[block]
    res = iterated.tournament(ref["strategies"], turns=FIXTURE["turns"], repetitions=3)
    assert res.players == ref["axelrod_names"]
    np.testing.assert_allclose(res.payoff_matrix, ref["payoff_matrix"], rtol=0, atol=1e-9)
    assert res.ranked_names == ref["ranked_names"]


def test_payoff_matrix_equals_live_axelrod_library(axl):
    rs = axelrod_result(axl, CLASSIC8, 200, (3, 1, 0, 5))
    ours = iterated.tournament(CLASSIC8, turns=200, repetitions=1)
    np.testing.assert_allclose(ours.payoff_matrix, rs.payoff_matrix, rtol=0, atol=1e-9)
    assert ours.ranked_names == list(rs.ranked_names)
    assert ours.players == [str(p) for p in rs.players]
    # the committed fixture is what the live library gives
    np.testing.assert_allclose(
        FIXTURE["classic"]["payoff_matrix"], rs.payoff_matrix, rtol=0, atol=1e-12
    )


@pytest.mark.parametrize("name", sorted(ORDERINGS))
def test_every_catalogue_game_equals_live_axelrod_library(axl, name):
    """Any 2×2 of Oye's catalogue, an odd number of turns, the extended deterministic set."""
    game = iterated.StageGame.named(name)
    R, P, S, T = game.rpst
    rs = axelrod_result(axl, DETERMINISTIC, 37, (R, P, S, T), repetitions=2)
    ours = iterated.tournament(DETERMINISTIC, turns=37, repetitions=2, game=game)
    np.testing.assert_allclose(ours.payoff_matrix, rs.payoff_matrix, rtol=0, atol=1e-9)
    np.testing.assert_allclose(
        ours.normalised_scores, np.array(rs.normalised_scores), rtol=0, atol=1e-9
    )
    assert ours.ranked_names == list(rs.ranked_names)


# ------------------------------------------------------------ kernel against plain Python

ALL = sorted(ipd.STRATEGIES)
strategy_spec = st.one_of(
    st.sampled_from(ALL),
    st.builds(ipd.Random, st.floats(0, 1)),
    st.builds(
        ipd.MemoryOne,
        st.tuples(*[st.floats(0, 1)] * 4),
        st.floats(0, 1),
    ),
)


@settings(max_examples=150, deadline=None)
@given(
    a=strategy_spec,
    b=strategy_spec,
    turns=st.integers(1, 60),
    noise=st.sampled_from([0.0, 0.05, 0.5]),
    prob_end=st.sampled_from([0.0, 0.1]),
    seed=st.integers(0, 2**32),
)
def test_kernel_plays_exactly_the_documented_rules(a, b, turns, noise, prob_end, seed):
    fast = iterated.match(a, b, turns=turns, noise=noise, prob_end=prob_end, seed=seed)
    slow = iterated.match_reference(a, b, turns=turns, noise=noise, prob_end=prob_end, seed=seed)
    assert np.array_equal(fast.moves, slow.moves)
    assert fast.scores == pytest.approx(slow.scores, abs=1e-12)


def test_every_rule_has_its_kernel_branch_and_plays_its_documented_moves():
    import inspect

    from backscratch.tournaments import _ipd_kernels as kernel

    branches = re.findall(r"kind == ([A-Z_0-9]+)", inspect.getsource(kernel.decide))
    assert len(branches) == len(set(branches))  # one branch per rule
    assert {getattr(kernel, name) for name in branches} == set(ipd.KINDS)
    assert [cls.kind for cls in ipd.RULES] == list(range(len(ipd.RULES)))
    assert {cls.kind for cls in ipd.STRATEGIES.values()} <= ipd.KINDS
    # Every named strategy, kernel against its plain-Python rule, against opponents that
    # cooperate, defect and alternate (so every branch of a rule is exercised).
    for name in ALL:
        for opponent in ("Alternator", "Random", "Prober", "Gradual"):
            fast = iterated.match(name, opponent, turns=60, noise=0.05, seed=7)
            slow = iterated.match_reference(name, opponent, turns=60, noise=0.05, seed=7)
            assert np.array_equal(fast.moves, slow.moves), (name, opponent)


@settings(max_examples=60, deadline=None)
@given(
    R=st.floats(-5, 10),
    P=st.floats(-5, 10),
    S=st.floats(-5, 10),
    T=st.floats(-5, 10),
    n=st.integers(1, 80),
)
def test_closed_forms_for_any_stage_payoffs(R, P, S, T, n):
    game = iterated.StageGame.prisoners_dilemma(R, P, S, T)
    res = iterated.tournament(
        ["Cooperator", "Defector", "TitForTat", "Alternator"], turns=n, game=game
    )
    m = res.payoff_matrix
    assert m[0, 1] == pytest.approx(S) and m[1, 0] == pytest.approx(T)
    assert m[2, 1] == pytest.approx((S + (n - 1) * P) / n)
    assert m[1, 2] == pytest.approx((T + (n - 1) * P) / n)
    assert m[0, 0] == pytest.approx(R) and m[2, 2] == pytest.approx(R)
    # Alternator vs itself: CC, DD, CC, ...
    assert m[3, 3] == pytest.approx((R * ((n + 1) // 2) + P * (n // 2)) / n)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.sampled_from(DETERMINISTIC), min_size=2, max_size=6, unique=True))
def test_a_pair_scores_the_same_whoever_else_plays(names):
    full = iterated.tournament(DETERMINISTIC, turns=50)
    sub = iterated.tournament(names, turns=50)
    idx = [DETERMINISTIC.index(n) for n in names]
    np.testing.assert_allclose(sub.payoff_matrix, full.payoff_matrix[np.ix_(idx, idx)], atol=0)


# ----------------------------------------------------------- noise, ending, determinism


def test_noise_flips_moves_at_its_rate():
    res = iterated.tournament(["Cooperator"], turns=2000, repetitions=10, noise=0.1, seed=3)
    m = res.matches[:, 0]
    share = (m[:, 3] + m[:, 4]).sum() / (2 * m[:, 2].sum())
    assert abs(share - 0.9) < 0.01  # 40,000 moves: s.e. 0.0015


def test_probabilistic_ending_gives_geometric_lengths():
    res = iterated.tournament(
        ["Cooperator", "Defector"], turns=100_000, repetitions=500, prob_end=0.1, seed=4
    )
    lengths = res.matches[:, :, 2].ravel()
    assert lengths.min() >= 1 and lengths.max() <= 100_000
    se = np.sqrt(0.9) / 0.1 / np.sqrt(lengths.size)
    assert abs(lengths.mean() - 10.0) < 4 * se
    capped = iterated.tournament(["Cooperator"], turns=5, repetitions=200, prob_end=0.1)
    assert capped.matches[:, :, 2].max() == 5


def test_same_seed_same_results_other_seed_other_results():
    players = ["TitForTat", "Random", "GTFT", "WinStayLoseShift"]
    a = iterated.tournament(players, turns=100, repetitions=4, noise=0.05, seed=11)
    b = iterated.tournament(players, turns=100, repetitions=4, noise=0.05, seed=11)
    c = iterated.tournament(players, turns=100, repetitions=4, noise=0.05, seed=12)
    assert np.array_equal(a.matches, b.matches)
    assert not np.array_equal(a.matches, c.matches)
    # repetitions differ from each other (each has its own random numbers)
    assert not np.array_equal(a.matches[0], a.matches[1])


def test_summaries_follow_the_axelrod_definitions():
    res = iterated.tournament(
        ["TitForTat", "Random", "Defector"], turns=30, repetitions=5, noise=0.1, seed=2
    )
    table = res.to_arrow().to_pylist()
    assert len(table) == 5 * 6
    for row in table:
        i, j = res.players.index(row["player"]), res.players.index(row["opponent"])
        r = row["repetition"]
        if i == j:  # a self-match is the mean of the two copies
            expected = (row["score"] + row["opponent_score"]) / 2 / row["turns"]
            assert res.payoffs[i, i, r] == pytest.approx(expected)
        else:
            assert res.payoffs[i, j, r] == pytest.approx(row["score"] / row["turns"])
            assert res.payoffs[j, i, r] == pytest.approx(row["opponent_score"] / row["turns"])
    for i in range(3):
        others = [j for j in range(3) if j != i]
        np.testing.assert_allclose(res.normalised_scores[i], res.payoffs[i, others].mean(axis=0))
    medians = np.median(res.normalised_scores, axis=1)
    assert list(medians[res.ranking]) == sorted(medians, reverse=True)


def test_catalogue_stage_games_and_bad_games():
    sh = iterated.StageGame.named("stag_hunt")
    assert sh.rpst == (4.0, 2.0, 1.0, 3.0)  # CC > DC > DD > CD
    with pytest.raises(ScenarioError, match="symmetric"):
        iterated.StageGame.from_bimatrix(Bimatrix(np.eye(2), np.zeros((2, 2)), "odd"))
    with pytest.raises(ScenarioError, match="game: unknown game 'poker'"):
        iterated.StageGame.named("poker")
    with pytest.raises(ScenarioError, match="payoffs: only the ipd game"):
        iterated.StageGame.named("chicken", (3, 1, 0, 5))


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"turns": 0}, "turns: 0 must be at least 1"),
        ({"repetitions": 0}, "repetitions: 0 must be at least 1"),
        ({"noise": 1.5}, "noise: 1.5 must lie in [0, 1]"),
        ({"prob_end": -0.1}, "prob_end: -0.1 must lie in [0, 1]"),
    ],
)
def test_bad_tournament_input_names_the_field(kwargs, field):
    with pytest.raises(ScenarioError, match=re.escape(field)) as err:
        iterated.tournament(["TitForTat", "Defector"], **kwargs)
    assert err.value.param == next(iter(kwargs))


def test_every_strategy_is_documented_and_classified():
    keys = {"memory_depth", "stochastic", "uses_threats", "uses_offers"}
    for cls in ipd.STRATEGIES.values():
        doc = cls.__doc__ or ""
        assert re.search(r"(19|20)\d\d", doc), f"{cls.__name__}: no dated source"
        assert keys <= set(cls.classifier), cls.__name__
        assert ipd.lookup(cls.__name__) is cls
    for registry in (cstrat.DEMANDERS, cstrat.TARGETS):
        for name, cls in registry.items():
            assert re.search(r"(19|20)\d\d", cls.__doc__ or ""), name
            assert {"role", "stochastic", "memory_depth"} <= set(cls.classifier)
    assert ipd.lookup("tit-for-tat") is ipd.TitForTat and ipd.lookup("ALLD") is ipd.Defector


# ---------------------------------------------------------------- coercion tournament


@pytest.fixture(scope="module")
def oye_tournament():
    return coercion.tournament(load_scenario("oye-dyad"), repetitions=200)


def test_offers_beat_threats_against_reputation_guarding_targets(oye_tournament):
    res = oye_tournament
    col = res.targets.index("reputation_guarding")
    scores = res.demander_payoffs[:, col, :]  # [demander, run]
    ci = mean_ci(scores)
    offer_based = [
        i
        for i, n in enumerate(res.demanders)
        if cstrat.DEMANDERS[n].classifier["uses_offers"]
        and not cstrat.DEMANDERS[n].classifier["uses_threats"]
    ]
    threat_based = [
        i
        for i, n in enumerate(res.demanders)
        if cstrat.DEMANDERS[n].classifier["uses_threats"]
        and not cstrat.DEMANDERS[n].classifier["uses_offers"]
    ]
    assert offer_based and threat_based
    assert min(ci[i, 1] for i in offer_based) > max(ci[i, 2] for i in threat_based)
    # the same holds for the opening move: offer-first demanders beat threat-first ones
    opener = {n: cstrat.DEMANDERS[n].classifier["first_instrument"] for n in res.demanders}
    first_offer = [i for i, n in enumerate(res.demanders) if opener[n] == "offer"]
    first_threat = [i for i, n in enumerate(res.demanders) if opener[n] == "threat"]
    assert min(ci[i, 1] for i in first_offer) > max(ci[i, 2] for i in first_threat)


def test_coercion_ranking_has_confidence_intervals(oye_tournament):
    s = oye_tournament.summary()
    assert s["players"] == list(cstrat.DEMANDERS) and s["opponents"] == list(cstrat.TARGETS)
    means = [s["scores"][n]["mean"] for n in s["ranking"]]
    assert means == sorted(means, reverse=True)
    for k, name in enumerate(s["ranking"], start=1):
        sc = s["scores"][name]
        assert sc["rank"] == k
        assert sc["ci95"][0] <= sc["mean"] <= sc["ci95"][1]
        assert sc["rank_ci95"][0] <= sc["rank_ci95"][1]
    # the interval shrinks like 1/sqrt(runs)
    few = coercion.tournament(load_scenario("oye-dyad"), repetitions=50)
    lo, hi = few.summary()["scores"]["learning"]["ci95"]
    lo2, hi2 = s["scores"]["learning"]["ci95"]
    assert hi2 - lo2 < hi - lo


def test_classifiers_match_behaviour(oye_tournament):
    """A demander classified as never threatening (offering) never does, and vice versa."""
    res = oye_tournament
    for i, name in enumerate(res.demanders):
        cls = cstrat.DEMANDERS[name].classifier
        assert (res.threats[i].sum() > 0) == cls["uses_threats"], name
        assert (res.offers[i].sum() > 0) == cls["uses_offers"], name


def test_coercion_payoff_accounting():
    sc = load_scenario(
        "oye-dyad",
        {"threat.credibility": 1.0, "offer.reliability": 1.0, "target.prior_pliable": 0.0},
    )
    res = coercion.tournament(
        sc,
        demanders=["always_threaten", "always_offer", "escalating_pressure"],
        targets=["always_resist", "always_comply"],
        turns=10,
        repetitions=3,
    )
    v, x, c, r = sc.demander.value, sc.demander.demand, sc.target.cost, sc.offer.price
    P, k, resolve = sc.threat.punishment, sc.threat.execution_cost, sc.target.resolve_resolute
    m, t = res.payoff_matrix, res.target_payoff_matrix.T
    assert m[0, 0] == pytest.approx(-k * P) and t[0, 0] == pytest.approx(-P)
    assert m[0, 1] == pytest.approx(v * x) and t[0, 1] == pytest.approx(-(c + resolve) * x)
    assert m[1, 1] == pytest.approx(v * x - r * x) and t[1, 1] == pytest.approx(-c * x + r * x)
    assert m[1, 0] == 0 and t[1, 0] == 0
    # escalation: pressure 1, 1.5, 2, 2.5, 3, 3, ... against a target that always resists
    pressure = np.minimum(3.0, 1.0 + 0.5 * np.arange(10))
    assert m[2, 0] == pytest.approx(-k * P * pressure.mean())


def test_coercion_is_deterministic_with_common_random_numbers():
    sc = load_scenario("oye-dyad")
    a = coercion.tournament(sc, repetitions=20, seed=5)
    b = coercion.tournament(sc, repetitions=20, seed=5)
    c = coercion.tournament(sc, repetitions=20, seed=6)
    assert np.array_equal(a.demander_payoffs, b.demander_payoffs)
    assert not np.array_equal(a.demander_payoffs, c.demander_payoffs)
    # common random numbers: the target's type in run r is the same for every pair.
    # comply_if_cheap gives in to a bare threat iff it is pliable, and so never resists
    # stick_then_carrot's threats; a resolute one resists two threats, then takes the offers
    j = a.targets.index("comply_if_cheap")
    pliable = a.cooperation[a.demanders.index("always_threaten"), j] == 1.0
    stc = a.cooperation[a.demanders.index("stick_then_carrot"), j]
    assert 0 < pliable.sum() < 20
    assert np.array_equal(stc == 1.0, pliable)
    assert np.allclose(stc[~pliable], 38 / 40)


def test_bad_coercion_input_names_the_field():
    sc = load_scenario("oye-dyad")
    with pytest.raises(ScenarioError, match="demanders: unknown strategy 'bully'"):
        coercion.tournament(sc, demanders=["bully"])
    with pytest.raises(ScenarioError, match="targets: price_taker given more than once"):
        coercion.tournament(sc, targets=["price_taker", "price_taker"])
    with pytest.raises(ScenarioError, match="repetitions: 0 must be at least 1"):
        coercion.tournament(sc, repetitions=0)


# ---------------------------------------------------------------------------- commands


def cli(capsys, *args):
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_tournament_json_contract(capsys):
    code, out, err = cli(
        capsys,
        "tournament",
        "--game",
        "ipd",
        "--strategies",
        "Cooperator,Defector,TitForTat",
        "--turns",
        "200",
        "--repetitions",
        "2",
        "--seed",
        "1",
        "--format",
        "json",
    )
    assert code == 0 and err == ""
    data = json.loads(out)
    assert list(data)[:3] == ["players", "payoff_matrix", "ranking"]
    assert data["players"] == ["Cooperator", "Defector", "Tit For Tat"]
    assert data["payoff_matrix"] == [[3.0, 0.0, 3.0], [5.0, 1.0, 1.02], [3.0, 0.995, 3.0]]
    assert data["ranking"] == ["Defector", "Tit For Tat", "Cooperator"]


def test_coercion_tournament_command_writes_results(capsys, tmp_path):
    code, out, err = cli(
        capsys,
        "tournament",
        "--game",
        "coercion",
        "--demanders",
        "always_threaten,always_offer",
        "--targets",
        "reputation_guarding",
        "--repetitions",
        "30",
        "--format",
        "json",
        "--out",
        str(tmp_path / "t"),
    )
    assert code == 0 and err == ""
    data = json.loads(out)
    assert data["ranking"] == ["always_offer", "always_threaten"]
    assert data["scenario"] == "oye-dyad" and len(data["payoff_matrix"]) == 2
    written = json.loads((tmp_path / "t" / "summary.json").read_text())
    assert written["payoff_matrix"] == data["payoff_matrix"]
    for name in ("matches.parquet", "ranks.png", "payoffs.png"):
        assert (tmp_path / "t" / name).stat().st_size > 0


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["--strategies", "TitForTat,Nice"], "--strategies"),
        (["--turns", "0"], "--turns"),
        (["--noise", "2"], "--noise"),
        (["--payoffs", "3,1,0"], "--payoffs"),
        (["--game", "poker"], "--game"),
        (["--game", "coercion", "--strategies", "TitForTat"], "--strategies"),
        (["--demanders", "always_offer"], "--demanders"),
        (["--game", "coercion", "--targets", "nobody"], "--targets"),
        (["--game", "coercion", "--set", "shadow=2"], "shadow"),
    ],
)
def test_tournament_bad_input_is_one_line_exit_2(capsys, tmp_path, args, field):
    code, out, err = cli(capsys, "tournament", *args, "--out", str(tmp_path / "x"))
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("backscratch: error: ") and field in err
    assert not (tmp_path / "x").exists()
