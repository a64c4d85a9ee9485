"""Demander and target strategies, one small class per idea, each with its source.

Every class carries a ``classifier`` dict (as in the Axelrod library) so tools can select
strategies by property, e.g. ``[s for s in TARGETS.values() if s.classifier["forward_looking"]]``.
"""

from backscratch.strategies.demanders import DEMAND_RULES, POLICIES
from backscratch.strategies.targets import TARGETS

__all__ = ["DEMAND_RULES", "POLICIES", "TARGETS"]
