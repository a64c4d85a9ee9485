"""Strategies of iterated 2×2 games (the Prisoner's Dilemma and the rest of Oye's catalogue).

Each strategy is a small class: a docstring with its source, a ``classifier`` dict (the keys
of the Axelrod library's classifier, plus ``uses_threats``/``uses_offers``, which are False for
every 2×2 strategy), the display ``name`` the Axelrod library prints (so results line up with
its tables), a numeric ``kind`` and ``params`` for the numba kernel
(``_ipd_kernels``), and :meth:`IPDStrategy.strategy`, the same rule written in
plain Python. The plain rule is the readable definition and the reference the kernel is tested
against; tournaments run the kernel.

Moves are ``C = 0`` (cooperate) and ``D = 1`` (defect), the row/column order of
:mod:`backscratch.theory.normal_form`. In :meth:`IPDStrategy.strategy`, ``me`` and ``opp`` are
the moves played so far (after noise, as both players saw them), ``state`` is a list of small
integers the kernel keeps per player (``state[0]`` is the number of the opponent's
defections so far, kept by the match; the other slots belong to the strategy) and ``u()``
returns the uniform random number the kernel would use for this decision.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import ClassVar

C, D = 0, 1
"""Moves: cooperate, defect."""

N_PARAMS = 8
"""Length of every strategy's parameter vector in the kernel."""


_BASE_CLASSIFIER = {
    "memory_depth": 1,
    "stochastic": False,
    "long_run_time": False,
    "inspects_source": False,
    "manipulates_source": False,
    "manipulates_state": False,
    "uses_threats": False,
    "uses_offers": False,
}


def _classifier(**kw) -> dict:
    return {**_BASE_CLASSIFIER, **kw}


class IPDStrategy:
    """Base class of 2×2 strategies."""

    name: str
    """The display name (the Axelrod library's), a class attribute; Cycler and MemoryOne
    instances name themselves."""
    kind: ClassVar[int]
    classifier: dict
    """Properties by which tools select strategies (the Axelrod library's keys)."""

    @property
    def params(self) -> tuple[float, ...]:
        """Parameters passed to the kernel (padded to :data:`N_PARAMS`)."""
        return ()

    def kernel_params(self) -> list[float]:
        p = [float(x) for x in self.params]
        return p + [0.0] * (N_PARAMS - len(p))

    def strategy(
        self, t: int, me: list[int], opp: list[int], state: list[int], u: Callable[[], float]
    ) -> int:
        """The move in turn ``t`` (0-based) given both histories: the rule in plain Python."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return self.name


class Cooperator(IPDStrategy):
    """Always cooperate (ALL C). Axelrod (1984), *The Evolution of Cooperation*."""

    name = "Cooperator"
    classifier = _classifier(memory_depth=0)

    def strategy(self, t, me, opp, state, u):
        return C


class Defector(IPDStrategy):
    """Always defect (ALL D), the unique equilibrium strategy of the one-shot dilemma.
    Axelrod (1984)."""

    name = "Defector"
    classifier = _classifier(memory_depth=0)

    def strategy(self, t, me, opp, state, u):
        return D


class TitForTat(IPDStrategy):
    """Cooperate first, then copy the opponent's last move. Submitted by Anatol Rapoport;
    winner of both of Axelrod's tournaments (Axelrod 1980, *J. Conflict Resolution* 24:1 and
    24:3; Axelrod 1984)."""

    name = "Tit For Tat"
    classifier = _classifier(memory_depth=1)

    def strategy(self, t, me, opp, state, u):
        return C if t == 0 else opp[-1]


class Grudger(IPDStrategy):
    """Cooperate until the opponent defects once, then defect for ever (GRIM; Friedman 1971,
    *Rev. Econ. Studies* 38:1; "Friedman" in Axelrod's first tournament)."""

    name = "Grudger"
    classifier = _classifier(memory_depth=float("inf"))

    def strategy(self, t, me, opp, state, u):
        return D if state[0] > 0 else C


class TitFor2Tats(IPDStrategy):
    """Defect only after two consecutive defections by the opponent. Suggested by Axelrod
    (1984) as the entry that would have won his first tournament."""

    name = "Tit For 2 Tats"
    classifier = _classifier(memory_depth=2)

    def strategy(self, t, me, opp, state, u):
        return D if t >= 2 and opp[-1] == D and opp[-2] == D else C


class SuspiciousTitForTat(IPDStrategy):
    """Tit for tat that defects on the first move. Beaufils, Delahaye & Mathieu (1996),
    *Artificial Life V*."""

    name = "Suspicious Tit For Tat"
    classifier = _classifier(memory_depth=1)

    def strategy(self, t, me, opp, state, u):
        return D if t == 0 else opp[-1]


class Alternator(IPDStrategy):
    """Cooperate, then alternate: C, D, C, D, ... Axelrod (1984); the invader of TFT for
    intermediate continuation probabilities (see ``backscratch solve tft-threshold``)."""

    name = "Alternator"
    classifier = _classifier(memory_depth=1)

    def strategy(self, t, me, opp, state, u):
        return C if t == 0 or me[-1] == D else D


class WinStayLoseShift(IPDStrategy):
    """Pavlov: repeat the last move after a good outcome (the opponent cooperated), switch
    after a bad one; memory-one vector (1, 0, 0, 1). Nowak & Sigmund (1993), *Nature* 364;
    Kraines & Kraines (1989), *Theory and Decision* 26."""

    name = "Win-Stay Lose-Shift"
    classifier = _classifier(memory_depth=1)

    def strategy(self, t, me, opp, state, u):
        if t == 0:
            return C
        return me[-1] if opp[-1] == C else 1 - me[-1]


class Random(IPDStrategy):
    """Cooperate with probability ``p`` each turn, whatever happened (RANDOM in Axelrod's
    first tournament, 1980)."""

    name = "Random"
    classifier = _classifier(memory_depth=0, stochastic=True)

    def __init__(self, p: float = 0.5):
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"Random: p = {p} must lie in [0, 1]")
        self.p = float(p)

    @property
    def params(self):
        return (self.p,)

    def strategy(self, t, me, opp, state, u):
        return C if u() < self.p else D


class TwoTitsForTat(IPDStrategy):
    """Defect twice after each defection of the opponent (defect if it defected in either
    of its last two moves). Axelrod (1984)."""

    name = "Two Tits For Tat"
    classifier = _classifier(memory_depth=2)

    def strategy(self, t, me, opp, state, u):
        return D if D in opp[-2:] else C


class Bully(IPDStrategy):
    """Reverse tit for tat: defect first, then do the opposite of the opponent's last move.
    Nachbar (1992), *J. Econ. Behav. Organ.* 19:3."""

    name = "Bully"
    classifier = _classifier(memory_depth=1)

    def strategy(self, t, me, opp, state, u):
        return C if t > 0 and opp[-1] == D else D


class AntiTitForTat(IPDStrategy):
    """Cooperate first, then do the opposite of the opponent's last move. Hilbe, Nowak &
    Sigmund (2013), *PNAS* 110:17."""

    name = "Anti Tit For Tat"
    classifier = _classifier(memory_depth=1)

    def strategy(self, t, me, opp, state, u):
        return D if t > 0 and opp[-1] == C else C


class Cycler(IPDStrategy):
    """Play a fixed cycle of moves regardless of the opponent (e.g. C, C, D, C, C, D, ...).
    Mathieu & Delahaye (2015), "New winning strategies for the iterated Prisoner's Dilemma"."""

    classifier = _classifier(memory_depth=2)

    def __init__(self, cycle: str = "CCD"):
        if not cycle or set(cycle) - {"C", "D"} or len(cycle) > N_PARAMS - 1:
            raise ValueError(f"Cycler: cycle '{cycle}' must be 1-{N_PARAMS - 1} letters C/D")
        self.cycle = cycle
        self.name = f"Cycler {cycle}"

    @property
    def params(self):
        return (len(self.cycle), *(C if m == "C" else D for m in self.cycle))

    def strategy(self, t, me, opp, state, u):
        return C if self.cycle[t % len(self.cycle)] == "C" else D


class CyclerCCD(Cycler):
    """Play C, C, D cyclically. Mathieu & Delahaye (2015)."""

    def __init__(self):
        super().__init__("CCD")


class CyclerDDC(Cycler):
    """Play D, D, C cyclically. Mathieu & Delahaye (2015)."""

    def __init__(self):
        super().__init__("DDC")


class CyclerCCCD(Cycler):
    """Play C, C, C, D cyclically. Mathieu & Delahaye (2015)."""

    classifier = _classifier(memory_depth=3)

    def __init__(self):
        super().__init__("CCCD")


class HardTitForTat(IPDStrategy):
    """Defect if the opponent defected in any of its last three moves. Axelrod library
    (Knight et al. 2016, *PLOS ONE* 11:4), after Axelrod (1984)."""

    name = "Hard Tit For Tat"
    classifier = _classifier(memory_depth=3)

    def strategy(self, t, me, opp, state, u):
        return D if D in opp[-3:] else C


class HardTitFor2Tats(IPDStrategy):
    """Defect if two consecutive defections appear among the opponent's last three moves.
    Axelrod library (Knight et al. 2016), after Axelrod (1984)."""

    name = "Hard Tit For 2 Tats"
    classifier = _classifier(memory_depth=3)

    def strategy(self, t, me, opp, state, u):
        last3 = opp[-3:]
        return D if any(a == D and b == D for a, b in itertools.pairwise(last3)) else C


class SoftGrudger(IPDStrategy):
    """After a defection by the opponent, punish with D, D, D, D, then make peace with C, C.
    Li, Hingston & Kendall (2011), *Proc. IEEE CIG* ("Engineering design of strategies for
    winning iterated prisoner's dilemma competitions")."""

    name = "Soft Grudger"
    classifier = _classifier(memory_depth=6)

    def strategy(self, t, me, opp, state, u):
        if state[1]:  # grudged: the punishment sequence runs to its end
            move = (D, D, D, C, C)[state[2]]
            state[2] += 1
            if state[2] == 5:
                state[1] = state[2] = 0
            return move
        if t > 0 and opp[-1] == D:
            state[1] = 1
            return D
        return C


class Appeaser(IPDStrategy):
    """Cooperate first; switch move each time the opponent defects, else keep it. Axelrod
    library (Knight et al. 2016)."""

    name = "Appeaser"
    classifier = _classifier(memory_depth=float("inf"))

    def strategy(self, t, me, opp, state, u):
        if t == 0:
            return C
        if opp[-1] == D:
            return 1 - me[-1]
        return me[-1]


class Prober(IPDStrategy):
    """Play D, C, C; if the opponent cooperated in moves 2 and 3, exploit it (defect for
    ever), else play tit for tat. Mathieu & Delahaye (2015)."""

    name = "Prober"
    classifier = _classifier(memory_depth=float("inf"))

    def strategy(self, t, me, opp, state, u):
        if t == 0:
            return D
        if t <= 2:
            return C
        if opp[1] == C and opp[2] == C:
            return D
        return opp[-1]


class MemoryOne(IPDStrategy):
    """Cooperate with probability ``four_vector[k]`` after outcome k = CC, CD, DC, DD (own
    move first), and with probability ``initial`` on the first move. Nowak & Sigmund (1990),
    *Acta Applicandae Mathematicae* 20; Press & Dyson (2012), *PNAS* 109:26."""

    name = "Memory One"
    classifier = _classifier(memory_depth=1, stochastic=True)

    def __init__(self, four_vector=(1.0, 0.0, 1.0, 0.0), initial: float = 1.0, name=None):
        vec = tuple(float(p) for p in four_vector)
        if len(vec) != 4 or not all(0.0 <= p <= 1.0 for p in (*vec, initial)):
            raise ValueError("MemoryOne: four probabilities and an initial one, each in [0, 1]")
        self.four_vector, self.initial = vec, float(initial)
        if name is not None:
            self.name = name
        deterministic = all(p in (0.0, 1.0) for p in (*vec, self.initial))
        self.classifier = {**type(self).classifier, "stochastic": not deterministic}

    @property
    def params(self):
        return (*self.four_vector, self.initial)

    def strategy(self, t, me, opp, state, u):
        p = self.initial if t == 0 else self.four_vector[2 * me[-1] + opp[-1]]
        return C if u() < p else D


class GTFT(MemoryOne):
    """Generous tit for tat: after the opponent's defection, still cooperate with
    probability ``p``; by default ``p = min(1 - (T - R)/(R - S), (R - P)/(T - P))``, the
    largest generosity that stays stable (1/3 for (5, 3, 1, 0)). Nowak & Sigmund (1992),
    *Nature* 355."""

    name = "GTFT"
    classifier = _classifier(memory_depth=1, stochastic=True)

    def __init__(self, p: float | None = None, payoffs=(3.0, 1.0, 0.0, 5.0)):
        if p is None:
            R, P, S, T = (float(x) for x in payoffs)
            a = 1 - (T - R) / (R - S) if R != S else 0.0
            b = (R - P) / (T - P) if T != P else 0.0
            p = min(max(min(a, b), 0.0), 1.0)
        self.p = float(p)
        super().__init__((1.0, self.p, 1.0, self.p), 1.0, name="GTFT")


class FoolMeOnce(IPDStrategy):
    """Forgive one defection: cooperate until the opponent has defected twice, then defect
    for ever. Axelrod library (Knight et al. 2016)."""

    name = "Fool Me Once"
    classifier = _classifier(memory_depth=float("inf"))

    def strategy(self, t, me, opp, state, u):
        return D if state[0] > 1 else C


class Gradual(IPDStrategy):
    """Punish the n-th defection of the opponent with n defections, then calm down with two
    cooperations. Beaufils, Delahaye & Mathieu (1996), *Artificial Life V*."""

    name = "Gradual"
    classifier = _classifier(memory_depth=float("inf"))

    def strategy(self, t, me, opp, state, u):
        if t == 0:
            return C
        if state[1] > 0:  # punishing
            state[1] -= 1
            return D
        if state[2] > 0:  # calming
            state[2] -= 1
            return C
        if opp[-1] == D:
            state[1], state[2] = state[0] - 1, 2
            return D
        return C


class GoByMajority(IPDStrategy):
    """Cooperate unless the opponent has defected more often than it cooperated (ties:
    cooperate). Axelrod (1984): "Soft Majority"."""

    name = "Soft Go By Majority"
    classifier = _classifier(memory_depth=float("inf"))

    def strategy(self, t, me, opp, state, u):
        return D if state[0] > t - state[0] else C


RULES: tuple[type[IPDStrategy], ...] = (
    Cooperator,
    Defector,
    TitForTat,
    Grudger,
    TitFor2Tats,
    SuspiciousTitForTat,
    Alternator,
    WinStayLoseShift,
    Random,
    TwoTitsForTat,
    Bully,
    AntiTitForTat,
    Cycler,
    HardTitForTat,
    HardTitFor2Tats,
    SoftGrudger,
    Appeaser,
    Prober,
    MemoryOne,
    FoolMeOnce,
    Gradual,
    GoByMajority,
)
"""Every rule the kernel plays, in the order of their codes: a strategy's ``kind`` is its
rule's position here (a subclass such as GTFT or CyclerCCD plays its parent's rule with its
own parameters). ``_ipd_kernels.decide`` has one branch per rule (a test checks it). numba
caches the kernels by their own file, so reordering this tuple needs that file touched for a
cached build to see the new codes."""

for _code, _rule in enumerate(RULES):
    _rule.kind = _code

KINDS = frozenset(range(len(RULES)))
"""Every code the kernel knows."""

CLASSIC: tuple[type[IPDStrategy], ...] = (
    Cooperator,
    Defector,
    TitForTat,
    Grudger,
    TitFor2Tats,
    SuspiciousTitForTat,
    Alternator,
    WinStayLoseShift,
    Random,
)
"""The classic strategies (Axelrod 1984 and the Axelrod library's basic set); the first
eight are deterministic."""

STRATEGIES: dict[str, type[IPDStrategy]] = {
    cls.__name__: cls
    for cls in (
        *CLASSIC,
        TwoTitsForTat,
        Bully,
        AntiTitForTat,
        CyclerCCD,
        CyclerDDC,
        CyclerCCCD,
        HardTitForTat,
        HardTitFor2Tats,
        SoftGrudger,
        Appeaser,
        Prober,
        GTFT,
        FoolMeOnce,
        Gradual,
        GoByMajority,
    )
}
"""Every named strategy, by class name (the names the command line accepts)."""


def _key(name: str) -> str:
    return "".join(ch for ch in name.lower() if ch.isalnum())


_LOOKUP: dict[str, type[IPDStrategy]] = {}
for _cls in STRATEGIES.values():
    _LOOKUP[_key(_cls.__name__)] = _cls
    _LOOKUP[_key(getattr(_cls(), "name", _cls.__name__))] = _cls
_LOOKUP.update({"allc": Cooperator, "alld": Defector, "tft": TitForTat, "wsls": WinStayLoseShift})
_LOOKUP.update({"grim": Grudger, "pavlov": WinStayLoseShift, "tf2t": TitFor2Tats})


def lookup(name: str) -> type[IPDStrategy] | None:
    """The strategy class called ``name``: class name, display name or a common alias
    (ALLC, ALLD, TFT, WSLS, GRIM, ...), ignoring case, spaces and hyphens; None if unknown."""
    return _LOOKUP.get(_key(name))
