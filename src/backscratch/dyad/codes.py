"""The codes the dyad records: responses and instrument bits (one definition, used by the
kernels, the policies and the results)."""

NO_DEMAND, RESISTED, COMPLIED = -1, 0, 1
"""``response`` codes: no demand this period, the target resisted, the target complied."""

THREAT, OFFER = 1, 2
"""Instrument bit flags as recorded in the ``instrument`` column (0 none, 3 both)."""

DEFAULT_POLICIES: tuple[str, ...] = ("blackmail", "backscratching", "mixed")
"""What a comparison or a sweep compares when no policies are named: the three instruments
(here, with the codes, so that the command line can name them without loading numpy)."""
