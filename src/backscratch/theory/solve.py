"""``solve``: the field's equilibria and analytic results, each beside the simulation that
checks it.

``solve(name, params)`` returns a JSON-ready dict; the names and their parameters are in
:data:`PROBLEMS`. See the README for every output's keys.
"""

from __future__ import annotations

import math
from typing import Any

from backscratch.core.errors import ScenarioError
from backscratch.core.schema import shown
from backscratch.theory import analytic
from backscratch.theory import normal_form as nf

PROBLEMS: dict[str, dict[str, Any]] = {
    "oye-2x2": {"payoffs": None},
    "tft-threshold": {"T": 5.0, "R": 3.0, "P": 1.0, "S": 0.0},
    "chain-store": {"prior": 0.1, "stake": 0.5, "rounds": 10},
    "drezner": {"rho": 0.8, "c_t": 2.0, "c_s": 1.0},
    "sechser": {"p": 0.3, "c_t": 1.0, "c_c": 0.5, "R": 2.0},
}
"""Each problem's parameters and defaults (the dyad's own, ``oye-dyad``, is solved by
:func:`backscratch.dyad.api.solve`)."""

BIG = 1e6
"""Largest magnitude of a payoff or cost parameter (the simulations' sums stay exact)."""

RANGES: dict[str, dict[str, tuple[float, float]]] = {
    "tft-threshold": {k: (-BIG, BIG) for k in ("T", "R", "P", "S")},
    "chain-store": {"rounds": (1, 10_000)},  # prior and stake: open (0, 1), checked by analytic
    "drezner": {"rho": (0.0, 1.0), "c_t": (0.0, BIG), "c_s": (0.0, BIG)},
    "sechser": {"p": (0.0, 1.0), "c_t": (0.0, BIG), "c_c": (0.0, BIG), "R": (0.0, BIG)},
}
"""Each number's closed range, checked before any work: probabilities and Drezner's weight
on relative gains rho in [0, 1], costs and rewards non-negative, every magnitude at most
:data:`BIG`, the chain store at most 10,000 rounds (its simulation plays every one)."""


def _params(name: str, given: dict[str, Any]) -> dict[str, Any]:
    defaults = PROBLEMS[name]
    out = dict(defaults)
    for key, value in given.items():
        if key not in defaults:
            known = ", ".join(defaults) or "none"
            raise ScenarioError(f"solve {name}: unknown parameter '{key}' (known: {known})")
        if key == "payoffs":
            out[key] = value
            continue
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ScenarioError(f"solve {name}: {key} must be a number, got {shown(value)}")
        if not math.isfinite(value):
            raise ScenarioError(f"solve {name}: {key} must be a finite number, got {value}")
        lo, hi = RANGES[name].get(key, (-math.inf, math.inf))
        if not lo <= value <= hi:
            raise ScenarioError(f"solve {name}: {key} must be in [{lo:g}, {hi:g}], got {value}")
        if isinstance(defaults[key], int) and not isinstance(defaults[key], bool):
            if float(value) != int(value):
                raise ScenarioError(f"solve {name}: {key} must be a whole number, got {value}")
            value = int(value)
        out[key] = value
    return out


def solve(name: str, given: dict[str, Any] | None = None) -> dict:
    """Solve problem ``name`` with parameters ``given`` (validated; one-line errors)."""
    if name not in PROBLEMS:
        raise ScenarioError(f"solve: unknown problem '{name}' (known: {', '.join(PROBLEMS)})")
    p = _params(name, given or {})
    return {
        "oye-2x2": _oye_2x2,
        "tft-threshold": _tft,
        "chain-store": _chain_store,
        "drezner": _drezner,
        "sechser": _sechser,
    }[name](p)


def _equilibria_json(game: nf.Bimatrix) -> dict:
    return {"payoffs": game.payoffs(), "equilibria": [e.to_json() for e in nf.solve(game)]}


def _oye_2x2(p: dict) -> dict:
    games = {name: _equilibria_json(g) for name, g in nf.oye_catalogue().items()}
    out = {"games": games, "source": "Oye (1985), World Politics 38(1); solver: pygambit enummixed"}
    if p["payoffs"] is not None:
        out["custom"] = _equilibria_json(nf.Bimatrix.from_payoffs(p["payoffs"], "payoffs"))
    return out


def _tft(p: dict) -> dict:
    T, R, P, S = p["T"], p["R"], p["P"], p["S"]
    w = analytic.tft_threshold(T, R, P, S)
    checks = {}
    for label, ww in (("below", max(0.0, w - 0.05)), ("above", min(0.99, w + 0.05))):
        sim = analytic.tft_invasion_simulated(T, R, P, S, ww)
        checks[label] = {
            "w": ww,
            **sim,
            "tft_resists": sim["tft"] >= max(sim["all_d"], sim["alternator"]),
        }
    return {
        "w_star": w,
        "formula": "max((T-R)/(T-P), (T-R)/(R-S))",
        "source": "Axelrod (1984), The Evolution of Cooperation",
        "all_d_threshold": (T - R) / (T - P),
        "simulated": checks,
        "agrees": (not checks["below"]["tft_resists"]) and checks["above"]["tft_resists"],
    }


def _chain_store(p: dict) -> dict:
    rounds = analytic.chain_store_entry_rounds(p["prior"], p["stake"], p["rounds"])
    sim = analytic.chain_store_simulated(p["prior"], p["stake"], p["rounds"])
    left = list(range(p["rounds"], 0, -1))
    simulated_rounds = [k for k, e in zip(left, sim["entry_by_rounds_left"], strict=True) if e > 0]
    return {
        "entry_rounds_left": rounds,
        "rule": "enter iff p_k < b^k",
        "source": "Kreps & Wilson (1982); Milgrom & Roberts (1982)",
        "simulated": {
            "entry_rounds_left": simulated_rounds,
            "entry_by_rounds_left": dict(zip(left, sim["entry_by_rounds_left"], strict=True)),
            "entry_after_concession": sim["entry_after_concession"],
        },
        "agrees": simulated_rounds == rounds
        and all(e == 1.0 for e in sim["entry_after_concession"]),
    }


def _drezner(p: dict) -> dict:
    rho, c_t, c_s = p["rho"], p["c_t"], p["c_s"]
    d = analytic.drezner_max_concession(rho, c_t, c_s)
    searched = analytic.drezner_max_concession_searched(rho, c_t, c_s)
    return {
        "credible": analytic.drezner_credible(rho, c_t, c_s),
        "max_concession": d,
        "formula": "credible iff rho*c_t > c_s; D* = (c_t - rho*c_s)/(1 + rho)",
        "source": "Drezner (1998), ISQ 42",
        "searched": searched,
        "agrees": abs(d - searched) <= 2 * c_t / 200_000 + 1e-12,
    }


def _sechser(p: dict) -> dict:
    z = analytic.sechser_optimal_demand(p["p"], p["c_t"], p["c_c"])
    acc = analytic.sechser_acceptance(p["c_t"], p["c_c"], p["R"])
    sim = analytic.sechser_simulated(p["p"], p["c_t"], p["c_c"], p["R"])
    other = analytic.sechser_simulated(p["p"] + 0.5, p["c_t"], p["c_c"], p["R"])
    return {
        "z_star": z,
        "acceptance": acc,
        "formula": "z* = p + (c_T - c_C)/2; acceptance (c_T + c_C)/(2R)",
        "source": "reconstructed from Sechser (2010), IO 64(4)",
        "simulated": sim,
        "simulated_other_p": {"p": p["p"] + 0.5, **other},
        "agrees": abs(sim["z_star"] - z) < 0.02
        and abs(sim["acceptance"] - acc) < 0.01
        and abs(other["acceptance"] - acc) < 0.01,
    }
