"""D's action menu in the demander's-choice game: every instrument it may choose, at every demand and
(with an offer) every price of the scenario's ``strategic`` section."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from backscratch.dyad.policies import POLICIES
from backscratch.dyad.scenario import Scenario


@dataclass(frozen=True)
class Menu:
    """The actions, one row each: ``labels[a]``, ``instrument[a]`` (a policy name),
    ``threat``/``offer``/``demands`` flags, demand ``x``, reward per unit ``price`` and the
    harm ``punishment`` of carrying out the threat (``threat.punishment`` +
    ``threat.punishment_per_unit`` × x)."""

    labels: tuple[str, ...]
    instrument: tuple[str, ...]
    threat: np.ndarray
    offer: np.ndarray
    demands: np.ndarray
    x: np.ndarray
    price: np.ndarray
    punishment: np.ndarray

    @classmethod
    def from_scenario(cls, scenario: Scenario) -> Menu:
        """Every (instrument, demand, price) of ``scenario.strategic``; the price only where
        the instrument carries an offer, the demand only where it makes one."""
        st, th = scenario.strategic, scenario.threat
        rows: list[tuple[str, str, float, float]] = []
        for name in st.instruments:
            plan = POLICIES[name]
            if not (plan.threat or plan.offer):
                rows.append(("none", name, 0.0, 0.0))
                continue
            for fx in st.demand_factors:
                demand = fx * scenario.demander.demand
                prices = st.price_factors if plan.offer else [0.0]
                for fp in prices:
                    r = fp * scenario.offer.price if plan.offer else 0.0
                    label = f"{name} x={demand:g}" + (f" R={r:g}" if plan.offer else "")
                    rows.append((label, name, demand, r))
        threat = np.array([POLICIES[r[1]].threat for r in rows], dtype=np.bool_)
        offer = np.array([POLICIES[r[1]].offer for r in rows], dtype=np.bool_)
        x = np.array([r[2] for r in rows])
        return cls(
            labels=tuple(r[0] for r in rows),
            instrument=tuple(r[1] for r in rows),
            threat=threat,
            offer=offer,
            demands=threat | offer,
            x=x,
            price=np.array([r[3] for r in rows]),
            punishment=th.punishment + th.punishment_per_unit * x,
        )

    def __len__(self) -> int:
        return len(self.labels)
