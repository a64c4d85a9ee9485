# %% [markdown]
# # The strategic game: would a rational demander threaten?
#
# Tutorials 1 and 2 *evaluated* policies: D's instrument was fixed, and the question was
# what follows if D threatens, or pays. `bs.equilibrium` lets D **choose**. Each period,
# at the public belief μ that the target is pliable, D picks an instrument (`none`,
# `blackmail`, `backscratching`, `mixed`), a demand and, with an offer, a price from the
# menu of `strategic.*` (22 actions by default). After a resisted threat D chooses whether
# to carry it out, which it does only if that pays: by default its cost of punishing,
# `threat.execution_cost` (k = 0.5 in `oye-dyad`), is known to everyone, so carrying out
# teaches observers nothing and `threat.credibility` is not used. The game is solved by
# backward induction on a belief grid ([the model](../model.html), "The demander's choice").
#
# To keep this page fast we shorten the game to 6 periods (`horizon`) and use a coarse
# belief grid of 51 points (`solver.belief_grid`, default 201).

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

import backscratch as bs

pd.set_option("display.width", 120)
short = {"horizon": 6, "solver.belief_grid": 51}
g = bs.equilibrium("oye-dyad", runs=300, overrides=short)
print(g)
print(g.summary())

# %% [markdown]
# `g.summary()` describes equilibrium play, simulated over 300 runs: the cooperation rate,
# the shares of demands that carried a threat or an offer, and both sides' discounted
# payoffs over the 6 periods. D opens with an offer (`backscratching`, demand x = 1.5,
# price R = 0.8) and never threatens (`threat_share` 0); the target complies with about
# 99% of demands.
#
# `g.solution` is the solved game. Its policy gives D's choice at any period and belief:

# %%
sol = g.solution
for mu in (0.05, 0.25, 0.5, 0.75, 0.95):
    first, last = sol.choice_at(0, mu), sol.choice_at(5, mu)
    print(f"belief {mu:4}: period 1 {first['action']:28} period 6 {last['action']}")
print(sol.diagnostics())

# %% [markdown]
# D makes the same offer at every belief, in the first period and the last. The reason is
# the chain-store logic: punishing costs D k·P > 0 and, its cost being known, buys it no
# reputation, so a rational D would back down after a resisted threat; the target knows
# it, so a threat adds nothing to a demand (the model page shows that rational targets
# comply with a bare threat no more than with a bare demand), and paying is D's best move. The diagnostics report the residual of the target's fixed points (about 1e-12) and
# the share of belief cells with several stable target equilibria (none here).
#
# This disagrees with reading threats as a rational state's natural instrument: in this
# game a unitary D with a known cost of punishing pays.

# %% [markdown]
# ## A phase map: when does D threaten?
#
# `bs.phase_map` solves the game at every cell of a grid over two fields and records D's
# first move. Make punishing free (`threat.execution_cost=0`, so a threat is carried out)
# and vary the size of the punishment P and the shadow of the future δ: 6 × 2 cells.

# %%
pm = bs.phase_map(
    "oye-dyad",
    axes={"threat.punishment": [0.5, 1, 1.5, 2, 2.5, 3], "shadow": [0.5, 0.9]},
    overrides={**short, "threat.execution_cost": 0},
)
print(pm, pm.summary())
cells = pm.to_pandas()
shown = ["threat.punishment", "shadow", "action", "cooperation", "demander_payoff"]
print(cells[[*shown, "target_payoff"]].round(3).to_string(index=False))

# %% [markdown]
# With free punishment, D still offers when the threat is small (P ≤ 1), combines threat
# and offer at P = 1.5 (at half the price, R = 0.4), and threatens alone from P = 2 — at both values of δ. In this game
# the size of the threat moves D's choice and the shadow of the future does not (it scales
# the payoffs, not the ranking). Once D threatens, the target's payoff turns negative: it
# complies to avoid a punishment rather than for a price.
#
# The figure shows the first move in each cell, with the cooperation it meets written in
# the cell.

# %%
instruments = pm.grid("instrument")
coop = pm.grid("cooperation")
names = ["backscratching", "mixed", "blackmail"]
codes = np.vectorize(names.index)(instruments).astype(float)
punishments, shadows = pm.values

fig, ax = plt.subplots(figsize=(5, 4))
ax.imshow(codes, cmap=plt.get_cmap("viridis", 3), vmin=-0.5, vmax=2.5, origin="lower",
          aspect="auto")  # fmt: skip
for i in range(len(punishments)):
    for j in range(len(shadows)):
        ax.text(j, i, f"{instruments[i, j]}\n{coop[i, j]:.2f}", ha="center", va="center",
                color="white", fontsize=8)  # fmt: skip
ax.set_xticks(range(len(shadows)), [f"δ = {v:g}" for v in shadows])
ax.set_yticks(range(len(punishments)), [f"{v:g}" for v in punishments])
ax.set_ylabel("threat.punishment P")
ax.set_title("D's equilibrium first move (execution cost 0, horizon 6)")
plt.show()
