"""The demander's-choice game over two periods in extensive form, for an independent check
with Gambit.

Nature draws the target's type (pliable with the prior). In each period D, not knowing the
type, picks an action of the menu; the target, knowing it, complies or resists; after a
resisted threat D carries it out or backs down. D's information sets are the public
histories (its own actions, the responses, its punishments), the target's its type and the
history. The players are D, the pliable type (its discounted total) and one player per
period for the resolute type (that period's payoff only: the dyad's resolute type is
myopic). A promised reward enters at its expected value (reliability x price x demand: its
delivery changes no later choice) — unless D's reliability is its private type
(``strategic.renege_costs``): then nature also draws D's type, and after a priced offer is
complied with that type decides whether to deliver (one player per type of D, with D's
payoff when it is that type: the agent form), which the later nodes see. D's choice of
action does not know its type (its information sets are public histories), as
backscratch assumes (its action pools across types). The tree is written in Gambit's ``.efg`` text format and
solved with pygambit's ``logit_solve``, whose branch ends in a sequential equilibrium;
backscratch's own solution (backward induction on a belief grid) with a small noise must
agree with it.
"""

from __future__ import annotations

import io
from typing import Any

import numpy as np

from backscratch.core.kernels import posterior
from backscratch.dyad.params import Params
from backscratch.dyad.scenario import Scenario
from backscratch.game.menu import Menu
from backscratch.game.terms import Terms, carry_probabilities


def _q(x: float) -> str:
    return repr(float(x))


class _Tree:
    """Writes the nodes of the tree depth-first, numbering information sets and outcomes."""

    def __init__(self, scenario: Scenario):
        self.sc = scenario
        self.menu = Menu.from_scenario(scenario)
        self.terms = Terms.from_scenario(scenario, self.menu)
        self.params = Params.from_scenario(scenario)
        self.lines: list[str] = []
        self.isets: dict[tuple[int, tuple[Any, ...]], int] = {}
        self.outcomes = 0
        self.delta = scenario.shadow

    def iset(self, player: int, key: tuple[Any, ...]) -> int:
        counted = [k for k in self.isets if k[0] == player]
        return self.isets.setdefault((player, key), len(counted) + 1)

    @property
    def typed(self) -> bool:
        """Whether D's reliability is its private type (two more players: its types)."""
        return bool(self.sc.strategic.renege_costs)

    def payoffs(self, tau: int, flows: list[tuple[float, float]], kind: int) -> str:
        """Terminal payoffs of D, the pliable type and the resolute type's period players
        (and, when D is typed, each type of D: D's payoff if it is that type)."""
        d = sum(self.delta**t * fd for t, (fd, _) in enumerate(flows))
        pliable = sum(self.delta**t * ft for t, (_, ft) in enumerate(flows)) if tau == 0 else 0.0
        resolute = [ft if tau == 1 else 0.0 for _, ft in flows]
        resolute += [0.0] * (2 - len(resolute))
        types = [d if kind == k else 0.0 for k in range(2)] if self.typed else []
        return "{ " + ", ".join(_q(v) for v in (d, pliable, *resolute, *types)) + " }"

    def period(
        self, tau: int, t: int, history: tuple[Any, ...], flows: list, kind: int = 0
    ) -> None:
        if t == 2:
            self.outcomes += 1
            self.lines.append(f't "" {self.outcomes} "" {self.payoffs(tau, flows, kind)}')
            return
        menu, g = self.menu, self.terms
        labels = " ".join(f'"{lab}"' for lab in menu.labels)
        self.lines.append(f'p "" 1 {self.iset(1, (t, history))} "D {t} {history}" {{ {labels} }} 0')
        for a in range(len(menu)):
            h = (*history, a)
            if not menu.demands[a]:
                self.period(tau, t + 1, (*h, "-"), [*flows, (0.0, 0.0)], kind)
                continue
            x, P = menu.x[a], menu.punishment[a]
            player = 2 if tau == 0 else 3 + t
            name = "pliable" if tau == 0 else f"resolute {t}"
            self.lines.append(
                f'p "" {player} {self.iset(player, h)} "{name} {h}" {{ "comply" "resist" }} 0'
            )
            cost = (g.c_threat if menu.threat[a] else g.c_offer)[tau]
            price = menu.price[a] * x if menu.offer[a] else 0.0
            if self.typed and price > 0.0:  # D's type delivers or reneges, in the open
                player = 5 + kind
                self.lines.append(
                    f'p "" {player} {self.iset(player, (t, h))} "D type {kind} {h}" '
                    '{ "deliver" "renege" } 0'
                )
                self.period(tau, t + 1, (*h, "C", "D"),
                            [*flows, (g.value * x - price, price - cost * x)], kind)  # fmt: skip
                self.period(tau, t + 1, (*h, "C", "N"),
                            [*flows, (g.value * x - g.renege[kind], -cost * x)], kind)  # fmt: skip
            else:
                paid = g.reliability * price
                promise = g.promise_cost * (1 - g.reliability) if menu.offer[a] and paid else 0.0
                self.period(tau, t + 1, (*h, "C"), [*flows, (g.value * x - paid - promise,
                                                              paid - cost * x)], kind)  # fmt: skip
            if menu.threat[a]:
                self.lines.append(
                    f'p "" 1 {self.iset(1, (t, h, "R"))} "D carries {h}" '
                    '{ "carry out" "back down" } 0'
                )
                self.period(tau, t + 1, (*h, "P"), [*flows, (-g.costs[0] * P, -P)], kind)
                self.period(tau, t + 1, (*h, "B"), [*flows, (-g.audience_cost, 0.0)], kind)
            else:
                self.period(tau, t + 1, (*h, "R"), [*flows, (0.0, 0.0)], kind)


def two_period_efg(scenario: Scenario) -> str:
    """The scenario's demander's-choice game over two periods as Gambit ``.efg`` text.

    Players: ``D``, ``Pliable``, ``Resolute 1``, ``Resolute 2``. Needs no third parties and
    no hawk bias (toughness is not a payoff of the tree)."""
    return _tree(scenario)[0]


def _tree(scenario: Scenario) -> tuple[str, dict[tuple[int, tuple[Any, ...]], int]]:
    sc = scenario
    if sc.third_parties.count or (sc.strategic.objective == "leader" and sc.domestic.hawk_bias):
        raise ValueError("two_period_efg: no third parties and no hawk bias")
    if sc.strategic.renege_costs and (sc.mediation.guarantor or sc.strategic.objective == "leader"):
        raise ValueError("two_period_efg: D's reliability typed needs no guarantor, a nation")
    tree = _Tree(sc.with_updates(horizon=2))
    mu = sc.target.prior_pliable
    tree.lines.append(f'c "" 1 "type" {{ "pliable" {_q(mu)} "resolute" {_q(1 - mu)} }} 0')
    nu = sc.strategic.prior_reliable
    for tau in range(2):
        if tree.typed:
            tree.lines.append(
                f'c "" {2 + tau} "D type {tau}" {{ "reliable" {_q(nu)} "opportunist" {_q(1 - nu)} }} 0'
            )
            for kind in range(2):
                tree.period(tau, 0, (), [], kind)
        else:
            tree.period(tau, 0, (), [])
    players = ["D", "Pliable", "Resolute 1", "Resolute 2"]
    players += ["D reliable", "D opportunist"] if tree.typed else []
    names = " ".join(f'"{p}"' for p in players)
    head = f'EFG 2 R "{sc.name}, two periods" {{ {names} }}'
    return "\n".join([head, '""', *tree.lines]) + "\n", tree.isets


def gambit_two_period(scenario: Scenario) -> dict[str, Any]:
    """pygambit's ``logit_solve`` on :func:`two_period_efg`: D's first action (its most
    probable) and the probabilities of each, each type's probability of complying with each
    first-period action, D's probability of carrying out each first-period threat, and D's
    second action after its first demand is met (or after no demand). Only what the
    equilibrium path reaches is refined at the end of the logit branch: behaviour at
    information sets reached with probability near 0 is not to be compared."""
    import pygambit as gbt

    text, isets = _tree(scenario)
    game = gbt.read_efg(io.StringIO(text))
    profile = gbt.nash.logit_solve(game).equilibrium
    # a player's information sets come in the order of their numbers in the file
    typed = bool(scenario.strategic.renege_costs)
    names = {1: "D", 2: "Pliable", 3: "Resolute 1", 5: "D reliable", 6: "D opportunist"}
    by_player = {
        name: [dict(probs) for _, probs in profile[name]]
        for player, name in names.items()
        if typed or player < 5
    }

    def at(player: int, key: tuple[Any, ...]) -> list[float]:
        return list(by_player[names[player]][isets[(player, key)] - 1].values())

    menu = Menu.from_scenario(scenario)
    first = at(1, (0, ()))
    comply = {a: (at(2, (a,))[0], at(3, (a,))[0]) for a in range(len(menu)) if menu.demands[a]}
    carry = {a: at(1, (0, (a,), "R"))[0] for a in range(len(menu)) if menu.threat[a]}
    priced = [a for a in range(len(menu)) if typed and menu.offer[a] and menu.price[a] > 0]
    deliver = {a: (at(5, (0, (a,)))[0], at(6, (0, (a,)))[0]) for a in priced}
    a = int(np.argmax(first))
    yes = ("C", "D") if a in priced else ("C",) if menu.demands[a] else ("-",)
    second = int(np.argmax(at(1, (1, (a, *yes)))))
    return {"first": a, "first_probabilities": first, "comply": comply, "carry": carry,
            "deliver": deliver, "second_after_yes": second}  # fmt: skip


def backscratch_two_period(scenario: Scenario, noise: float = 1e-4) -> dict[str, Any]:
    """The same from backscratch's own solution with the target's noise shrunk to ``noise``
    and exact choices by D (the limit the logit branch follows; with D's reliability typed,
    whose types must mix, D's noise ``noise`` too), after a first demand met (and its reward
    delivered)."""
    from backscratch.game.model import solve

    typed = bool(scenario.strategic.renege_costs)
    sc = scenario.with_updates(
        horizon=2, **{"target.noise": noise, "strategic.choice_noise": noise if typed else 0.0}
    )
    s = solve(sc)
    mu, nu = sc.target.prior_pliable, s.d_prior
    comply = {
        a: (s.value_at(s.comply[0, a, 0], mu), s.value_at(s.comply[0, a, 1], mu))
        for a in range(len(s.menu))
        if s.menu.demands[a]
    }
    carry = carry_probabilities(Terms.from_scenario(sc, s.menu))[0]
    priced = [b for b in range(len(s.menu)) if typed and s.menu.offer[b] and s.menu.price[b] > 0]
    deliver = {
        b: (s.value_at(s.deliver[0, b, 0], mu), s.value_at(s.deliver[0, b, 1], mu)) for b in priced
    }
    a = s.action_at(0, mu)
    after, nu_after = mu, nu
    if s.menu.demands[a]:
        after = float(posterior(mu, comply[a][0], comply[a][1], True))
    if a in priced:
        nu_after = float(posterior(nu, deliver[a][0], deliver[a][1], True))
    return {
        "first": a,
        "comply": comply,
        "carry": {b: float(carry[b]) for b in range(len(s.menu)) if s.menu.threat[b]},
        "deliver": deliver,
        "second_after_yes": s.action_at(1, after, nu_after),
    }
