"""The codes the dyad records: responses and instrument bits (one definition, used by the
kernels, the policies and the results)."""

NO_DEMAND, RESISTED, COMPLIED = -1, 0, 1
"""``response`` codes: no demand this period, the target resisted, the target complied."""

THREAT, OFFER = 1, 2
"""Instrument bit flags as recorded in the ``instrument`` column (0 none, 3 both)."""

RESPONSE_MEANINGS: dict[int, str] = {
    NO_DEMAND: "no demand this period (instrument `none`: D asked for nothing)",
    RESISTED: "the target resisted the demand",
    COMPLIED: "the target complied with the demand",
}
"""What each ``response`` code means (the results reference, docs/results.md)."""

INSTRUMENT_MEANINGS: dict[int, str] = {
    0: "no instrument: no demand (policy `none`)",
    THREAT: "a threat only (`blackmail`)",
    OFFER: "an offer only (`backscratching`)",
    THREAT | OFFER: "a threat and an offer (`mixed`)",
}
"""What each value of the ``instrument`` column means: the sum of its bit flags."""

DEFAULT_POLICIES: tuple[str, ...] = ("blackmail", "backscratching", "mixed")
"""What a comparison or a sweep compares when no policies are named: the three instruments
(here, with the codes, so that the command line can name them without loading numpy)."""
