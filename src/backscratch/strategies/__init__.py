"""Demander and target strategies, one small class per idea, each with its source.

Every class carries a ``classifier`` dict (as in the Axelrod library) so tools can select
strategies by property, e.g. ``[s for s in TARGETS.values() if s.classifier["forward_looking"]]``.
``TARGETS`` and the demander policies belong to the reputation model (``backscratch run``);
``COERCION_DEMANDERS``/``COERCION_TARGETS`` are history-based rules for the coercion
tournament (:mod:`backscratch.strategies.coercion`) and ``IPD_STRATEGIES`` the strategies of
iterated 2×2 games (:mod:`backscratch.strategies.ipd`).
"""

from backscratch.strategies.coercion import DEMANDERS as COERCION_DEMANDERS
from backscratch.strategies.coercion import TARGETS as COERCION_TARGETS
from backscratch.strategies.demanders import DEMAND_RULES, POLICIES
from backscratch.strategies.ipd import STRATEGIES as IPD_STRATEGIES
from backscratch.strategies.targets import TARGETS

__all__ = [
    "COERCION_DEMANDERS",
    "COERCION_TARGETS",
    "DEMAND_RULES",
    "IPD_STRATEGIES",
    "POLICIES",
    "TARGETS",
]
