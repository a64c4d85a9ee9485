"""The field's formal pieces: normal-form games and their equilibria, analytic results
(Axelrod's TFT threshold, the chain store, Drezner, Sechser), each with a simulation that
checks it, and the coercion dyad's one-shot game in extensive form."""
