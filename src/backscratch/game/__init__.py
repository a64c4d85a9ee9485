"""The demander's choice: D picks its instrument, demand and price each period as a Markov
strategy of the public belief about the target, and carries out a resisted threat only when
that is sequentially rational (docs/model.md, "The demander's choice")."""
