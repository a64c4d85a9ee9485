"""Hedging as the target's choice (issue 15, item 1; ``hedging.mode: choice``): the target
chooses its capacity each period in the same dynamic programme as its compliance, latency
blunts the punishment it suffers, and a demand may be a rollback, a freeze or a cap
(docs/model.md, Hedging and latency). Everything at the reference scenario ``oye-dyad`` unless a test names a change."""

from __future__ import annotations

import numpy as np
import pytest

import backscratch as bs
from backscratch.cli import main
from backscratch.core.errors import ScenarioError
from backscratch.dyad.codes import COMPLIED
from backscratch.dyad.model import DyadModel, replay_hedging
from backscratch.dyad.sweep import per_run_by_block

CHOICE = {"hedging.mode": "choice", "hedging.deterrence": 1.0}
"""The reference with the target choosing its capacity, latency halving punishment at L = 0.69."""


def _run(policy, runs=2000, **over):
    return bs.run("oye-dyad", policy=policy, runs=runs, overrides={**CHOICE, **over})


@pytest.mark.parametrize("policy", ["blackmail", "backscratching", "mixed"])
def test_with_nothing_to_choose_the_programme_is_the_dyads(policy):
    """One capacity level (0) and no deterrence: the choice programme must give the dyad's
    compliance table (to rounding) and the same play, under every instrument (the
    reference has two third parties, so the entrants' code is compared too)."""
    flat = {"hedging.threat_sensitivity": 0.0, "hedging.relationship_sensitivity": 0.0,
            "hedging.rollback": 0.0}  # fmt: skip
    sc = bs.load_scenario("oye-dyad", runs=1000).with_updates(**flat)
    rule = DyadModel(sc, policy)
    choice = DyadModel(
        sc.with_updates(**{"hedging.mode": "choice", "hedging.capacity_levels": [0.0]}),
        policy,
    )
    assert choice.compliance.shape == (40, 21, 4, 201)
    assert np.abs(choice.compliance[:, :, :2] - rule.compliance[:, None]).max() < 1e-10
    a, b = rule.run().records, choice.run().records
    # advance writes the demander's block out for speed, advance_choice goes through
    # _demanded: the two must agree
    for key in ("response", "punished", "backed_down", "entries", "entrant_complied"):
        np.testing.assert_array_equal(a[key], b[key], err_msg=key)
    for key in ("transfer", "demand", "payoff_demander", "payoff_target", "belief"):
        np.testing.assert_allclose(a[key], b[key], atol=1e-9, err_msg=key)
    assert (b["capacity"] == 0).all() and (b["latency"] == 0).all()


def test_pressure_makes_a_forward_looking_target_invest_more():
    """Under threats the target runs capacity (latency blunts them); under offers, or with no
    demand, it runs next to none. A myopic target never invests (latency pays only later),
    nor does a forward-looking one when latency deters nothing."""
    threat, offer, none = (_run(p) for p in ("blackmail", "backscratching", "none"))
    cap = {k: r.records["capacity"].mean() for k, r in
           (("threat", threat), ("offer", offer), ("none", none))}  # fmt: skip
    assert cap["threat"] > 0.3  # 0.388 at the reference
    assert cap["offer"] < 0.1 * cap["threat"] and cap["none"] == 0.0
    assert threat.summary()["final_latency"] > 1.0  # 1.55: the threshold L* = 1 crossed
    assert _run("blackmail", **{"target.strategy": "myopic"}).records["capacity"].max() == 0.0
    assert _run("blackmail", **{"hedging.deterrence": 0.0}).records["capacity"].max() == 0.0


def test_more_pressure_more_investment_up_to_the_reference_punishment():
    """Investment rises with the punishment threatened from P = 0.5 to P = 1 (0.24 to 0.39),
    and the latency it buys halves blackmail's cooperation at the reference (0.06 against
    0.27 with the rule). Above P = 1 the target concedes more and invests less (0.25 at
    P = 2): the rise holds in the region P <= 1 only (docs/model.md)."""
    low, ref, high = (_run("blackmail", **{"threat.punishment": P}) for P in (0.5, 1.0, 2.0))
    assert ref.records["capacity"].mean() > 1.3 * low.records["capacity"].mean()
    assert high.records["capacity"].mean() < ref.records["capacity"].mean()
    rule = bs.run("oye-dyad", policy="blackmail", runs=2000).summary()["cooperation_rate"]
    assert ref.summary()["cooperation_rate"] < 0.5 * rule


def test_an_exchange_that_buys_rollback_makes_latency_fall_while_the_deal_is_honoured():
    """A target holding L = 1 is asked to roll back 0.1 per compliance. Paid, it complies and
    the stock falls in every period an exchange is honoured (it does not rebuild); under
    threats it refuses and builds (the stock rises above where it started)."""
    over = {"hedging.initial": 1.0, "hedging.demand_rollback": 0.1}
    deal = _run("backscratching", **over).records
    lat = deal["latency"]
    before = np.vstack([np.full((1, lat.shape[1]), 1.0), lat[:-1]])
    honoured = deal["transfer"] > 0
    assert honoured.mean() > 0.5
    fell = (lat < before) | (before == 0)
    assert fell[honoured].mean() > 0.99
    assert lat[10].mean() < 0.2 and lat[-1].mean() < 0.05
    pressed = _run("blackmail", **over).records["latency"]
    assert pressed[-1].mean() > 1.3


def _growth_when_complied(records, initial=0.0):
    lat = records["latency"]
    before = np.vstack([np.full((1, lat.shape[1]), initial), lat[:-1]])
    complied = records["response"] == 1
    return (lat - before)[complied], lat[complied]


def test_a_freeze_demand_stops_latency_growing_whenever_the_target_complies():
    """With ``demand_freeze`` a compliance means no growth that period, exactly (without it
    the mixed target grows its stock by up to 0.1 in periods it complies). The freeze makes
    giving in to threats dearer: blackmail's cooperation falls from 0.058 to 0.006 (offers,
    which the target answers without investing, keep 0.844: docs/model.md)."""
    free, frozen = (_run("mixed", 1000, **o) for o in ({}, {"hedging.demand_freeze": True}))
    assert _growth_when_complied(free.records)[0].max() > 0.05
    grew = _growth_when_complied(frozen.records)[0]
    assert grew.size > 1000 and grew.max() == 0.0
    bm = [_run("blackmail", 1000, **o).summary()["cooperation_rate"]
          for o in ({}, {"hedging.demand_freeze": True})]  # fmt: skip
    assert bm[1] < 0.5 * bm[0]


def test_a_cap_demand_brings_the_stock_down_to_the_cap_when_the_target_complies():
    """A target holding L = 1, paid and asked to cap its stock at 0.5, ends every period it
    complies at or below 0.5, and at the end holds a fifteenth of what a paid target without
    the cap keeps (0.03 against 0.46)."""
    over = {"hedging.initial": 1.0}
    capped = _run("backscratching", 1000, **over, **{"hedging.demand_cap": 0.5}).records
    _, held = _growth_when_complied(capped, 1.0)
    assert held.size > 1000 and held.max() <= 0.5
    plain = _run("backscratching", 1000, **over).records["latency"][-1].mean()
    assert capped["latency"][-1].mean() < 0.2 * plain


def test_choice_mode_streams_block_by_block_bit_for_bit():
    """A run of more than one random block equals the same runs simulated block by block on
    one solution of the target's programme (what `run --out` and `sweep` do)."""
    sc = bs.load_scenario("oye-dyad", runs=4200).with_updates(
        **CHOICE, horizon=12, **{"solver.latency_grid": 6}
    )
    whole = bs.run(sc, policy="blackmail").per_run()
    blocks = per_run_by_block(sc, "blackmail")
    for key, col in whole.items():
        np.testing.assert_array_equal(col, blocks[key], err_msg=key)


def test_the_hedging_replay_refuses_choice_mode():
    sc = bs.load_scenario("oye-dyad", runs=50).with_updates(**CHOICE)
    played = bs.run(sc, policy="blackmail")
    with pytest.raises(ValueError, match=r"hedging\.mode"):
        replay_hedging(played, sc)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run", "oye-dyad", "--set", "hedging.deterrence=1"],
         "hedging.deterrence: read only with hedging.mode: choice"),
        (["run", "oye-dyad", "--set", "hedging.mode=choice", "--set",
          "target.strategy=always_comply"], "hedging.mode: choice needs a target that optimises"),
        (["run", "oye-dyad", "--set", "hedging.mode=choice", "--set",
          "hedging.capacity_levels=[]"], "hedging.capacity_levels"),
        (["run", "oye-dyad", "--set", "hedging.mode=choice", "--set",
          "solver.latency_grid=1"], "solver.latency_grid"),
        (["run", "oye-dyad", "--set", "hedging.mode=choice", "--set",
          "hedging.demand_cap=-0.5"], "hedging.demand_cap"),
        (["run", "oye-dyad", "--set", "hedging.demand_freeze=true"],
         "hedging.demand_freeze: read only with hedging.mode: choice"),
        (["run", "oye-dyad", "--set", "hedging.investment_observed=true"],
         "hedging.investment_observed: read only with hedging.mode: choice"),
        (["run", "oye-dyad", "--set", "hedging.mode=choice", "--set",
          "hedging.capacity_noise=0.01"],
         "hedging.capacity_noise: read only with hedging.investment_observed: true"),
        (["run", "oye-dyad", "--set", "hedging.mode=choice", "--set",
          "hedging.investment_observed=true", "--set", "hedging.capacity_noise=0"],
         "hedging.capacity_noise"),
        (["validate", "iran-2003-2013", "--set", "hedging.mode=choice"],
         "validation.free: hedging.threat_sensitivity is not read with hedging.mode: choice"),
        (["calibrate", "iran-2003-2013", "--set", "hedging.mode=choice"],
         "hedging.mode: this fit fits the behavioural rule"),
    ],
)  # fmt: skip
def test_choice_mode_bad_input_is_a_one_line_error(args, message, capsys):
    code = main(args)
    err = capsys.readouterr().err
    assert code == 2
    assert message in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_validate_fits_the_targets_choice_on_a_search_grid(tmp_path):
    """With hedging as the target's choice, `validate` re-solves the target's programme at
    every trial (on a coarse search grid, ``SEARCH_GRID``): on a series the model made at
    capacity_cost 0.2 it moves from a start of 0.05 (mean latency 1.67 at the end, against
    0.59) to within 0.05 of 0.2, and the in-sample error falls tenfold. A field of the rule
    in ``validation.free`` is refused in this mode."""
    from backscratch.studies import validate as V

    over = {**CHOICE, "horizon": 24, "policy": "blackmail", "hedging.threshold": 100.0,
            "calendar": {"start": "2000-01", "months_per_period": 1},
            "validation": {"metric": "stock", "quantity": "latency", "transform": "level",
                           "scale": 1.0, "calibrated_until": "2001-06",
                           "free": ["hedging.capacity_cost"]}}  # fmt: skip
    truth = bs.load_scenario("oye-dyad", runs=200, overrides={**over, "hedging.capacity_cost": 0.2})
    path = bs.run(truth).records["latency"].mean(axis=1)
    months = ["2000-03", "2000-06", "2000-09", "2000-12", "2001-03", "2001-06", "2001-12"]
    rows = "".join(f"{m},{path[truth.calendar.period_of(m)]}\n" for m in months)
    (tmp_path / "own.csv").write_text("date,value\n" + rows)
    start = truth.with_updates(**{"hedging.capacity_cost": 0.05})
    held = V.validate(start.with_updates(**{"validation.free": []}), observed=tmp_path / "own.csv")
    bt = V.validate(start, observed=tmp_path / "own.csv")
    assert bt.params["hedging.capacity_cost"] == pytest.approx(0.2, abs=0.05)
    assert bt.scores["rmse_in_sample"] < 0.1 * held.scores["rmse_in_sample"]
    assert "Nelder-Mead" in bt.fit_note
    assert set(bt.diagnostics) == {"hedging.capacity_cost"}
    rule_field = start.with_updates(**{"validation.free": ["hedging.threat_sensitivity"]})
    with pytest.raises(
        ScenarioError, match=r"threat_sensitivity is not read with hedging\.mode: choice"
    ):
        V.validate(rule_field, observed=tmp_path / "own.csv")


OBSERVED = {**CHOICE, "hedging.investment_observed": True}
"""The reference in choice mode with observers reading the target's type from its capacity."""


def _calibration(policy, over, runs=4000):
    """The share of pliable targets against the mean public belief, over the (period, run)
    cells whose belief falls in each tenth of [0, 1] (bins with fewer than 2000 cells left
    out)."""
    sc = bs.load_scenario("oye-dyad", runs=runs).with_updates(**over)
    model = DyadModel(sc, policy)
    belief = model.run().records["belief"]
    pliable = np.broadcast_to(model.pliable[None], belief.shape)
    bins = np.minimum((belief * 10).astype(int), 9)
    return [(belief[bins == k].mean(), pliable[bins == k].mean()) for k in range(10)
            if (bins == k).sum() >= 2000]  # fmt: skip


@pytest.mark.parametrize("policy", ["blackmail", "backscratching"])
def test_when_observers_read_the_capacity_the_public_belief_is_calibrated(policy):
    """The two types invest differently (the resolute type more under threats: latency
    blunts the punishment it takes for resisting), so a belief that ignores the capacity run
    is wrong about who is pliable: at the reference under blackmail (20,000 runs), where the
    belief says 0.25, 0.40 of the targets are pliable, and where it says 0.36 and 0.45, 0.27
    and 0.22. Read by observers (``hedging.investment_observed``), the share of pliable targets
    matches the belief in every bin, within 0.02 (4,000 runs)."""
    for mean, share in _calibration(policy, OBSERVED):
        assert abs(share - mean) < 0.02, (mean, share)
    if policy == "blackmail":
        blind = _calibration(policy, CHOICE)
        assert max(abs(share - mean) for mean, share in blind) > 0.1


def test_the_value_of_an_observed_capacity_choice_against_monte_carlo():
    """``read_cell``: each type's value of a logit choice of level, taken on the belief as
    it stands, when the level run moves the belief. Against a simulation of the choice (a
    Gumbel shock of scale ``noise`` to each level's payoff, the best level run, its payoff
    at the posterior the two types' choices imply, 400,000 draws) within 4 SE. Where
    values fall steeply in the belief the posterior adds much (here 0.50 to the resolute
    type, whose level gives it away as resolute), so leaving it out must fail."""
    from backscratch.core.kernels import posterior
    from backscratch.dyad import _kernels as K

    J, G = 5, 101
    lat = np.linspace(0.0, 2.0, J)[:, None]
    mu = np.linspace(0.0, 1.0, G)[None, :]
    V = np.zeros((J, 2, G))
    V[:, 0] = -2.0 * mu + 0.3 * lat  # the pliable type gains little from latency
    V[:, 1] = -3.0 * mu**2 + 1.2 * lat  # the resolute type much
    levels = np.array([0.0, 0.5, 1.0])
    cost, prod, disc, noise, start, prior = 0.3, 0.5, 0.9, 0.1, 0.5, 0.6
    pi, u = np.empty((2, 3)), np.empty((2, 3))
    values = K.read_cell(V, 0, levels, cost, prod, disc, 2.0, start, np.inf, prior, noise, pi, u)
    rng = np.random.default_rng(7)
    seen = np.array([posterior(prior, pi[0, i], pi[1, i], True) for i in range(3)])
    L = start + prod * levels
    for k in range(2):
        shock = rng.gumbel(0.0, noise, size=(400_000, 3))
        pick = np.argmax(u[k] + shock, axis=1)
        true = -cost * levels + disc * np.array(
            [K._on_plane(V, k, seen[i], L[i], 2.0) for i in range(3)]
        )
        draws = true[pick] + shock[np.arange(pick.size), pick] - noise * np.euler_gamma
        se = draws.std() / np.sqrt(draws.size)
        assert abs(values[k] - draws.mean()) < 4 * se
        taken = K._lse(u, k, noise)  # the value if the level revealed nothing
        assert abs(taken - values[k]) > 50 * se
    assert values[1] - K._lse(u, 1, noise) > 0.4  # 0.50


def test_with_one_capacity_level_observed_or_not_is_the_same_programme():
    """One level reveals nothing: the target's table is that of the unobserved choice (to
    rounding), however small the level's noise, and so is play in distribution (it draws
    one more number a period, for the level, so not run for run): cooperation and the
    final belief within 4 SE over 4,000 runs."""
    one = {"hedging.capacity_levels": [0.25]}
    sc = bs.load_scenario("oye-dyad", runs=4000).with_updates(**CHOICE, **one)
    seen = sc.with_updates(**{"hedging.investment_observed": True})
    a, b = DyadModel(sc, "blackmail"), DyadModel(seen, "blackmail")
    assert np.abs(a.compliance - b.compliance).max() < 1e-10
    ra, rb = a.run().records, b.run().records
    for key, col in (("complied", ra["response"] == COMPLIED), ("belief", ra["belief"][-1])):
        other = (rb["response"] == COMPLIED) if key == "complied" else rb["belief"][-1]
        se = np.hypot(col.std(), other.std()) / np.sqrt(col.size)
        assert abs(col.mean() - other.mean()) < 4 * se, key


def test_observed_capacity_converges_as_its_noise_vanishes():
    """The choice approaches best replies as ``hedging.capacity_noise`` falls: under
    blackmail the mean capacity run and the cooperation rate move less than 0.005 between
    noise 0.002 and the default 0.005 (2,000 runs), but by more than 0.05 from 0.02."""

    def at(noise):
        r = _run("blackmail", **OBSERVED, **{"hedging.capacity_noise": noise})
        return r.records["capacity"].mean(), r.summary()["cooperation_rate"]

    base, near, far = at(0.005), at(0.002), at(0.02)
    assert max(abs(x - y) for x, y in zip(base, near, strict=True)) < 0.005
    assert max(abs(x - y) for x, y in zip(base, far, strict=True)) > 0.05
