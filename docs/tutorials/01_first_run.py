# %% [markdown]
# # First run: blackmail, backscratching and both
#
# This tutorial runs the reference dyad `oye-dyad` under three policies and compares
# them. A demander D asks a target T for concessions every period for 40 periods. T is
# privately *pliable* or *resolute*; everyone watches T's answers and updates, by Bayes'
# rule, the public belief that it is pliable, and D asks more of a target that looks
# pliable ([the coercion model](../model.html)). D's instrument is fixed by the policy:
#
# * `blackmail`: a threat of punishment if T resists;
# * `backscratching`: an offer of a reward if T complies;
# * `mixed`: both at once.
#
# We keep the run small (300 seeded runs per policy instead of the default 2,000) so the
# page builds in seconds. Every policy is run on the same random numbers (common random
# numbers), so differences between policies are paired run by run.

# %%
import matplotlib.pyplot as plt

import backscratch as bs

sc = bs.load_scenario("oye-dyad", runs=300)
c = bs.compare(sc, policies=["blackmail", "backscratching", "mixed"])
print(c)

# %% [markdown]
# ## The summary table
#
# `c.table()` has one row per metric and one column per policy. `cooperation_rate` is the
# share of demand-periods that end in T's compliance; payoffs are the mean discounted totals
# per run; the belief jumps are the mean change of the public belief P(pliable) after a
# compliance or a resistance ([results columns](../results.html)).

# %%
rows = [
    "cooperation_rate",
    "demand_growth_after_compliance",
    "belief_jump_after_compliance",
    "entries_per_period",
    "final_latency",
    "demander_payoff",
    "target_payoff",
]
table = c.table()
print(table.loc[rows, ["blackmail", "backscratching", "mixed"]].round(3))

# %% [markdown]
# What the numbers say, on these 300 runs:
#
# * **Cooperation.** Threats get compliance in roughly a quarter of demand-periods, offers
#   in more than four fifths, and both together in more still. Giving in to a threat makes
#   T look pliable, which brings larger demands and third parties with threats of their own,
#   so a forward-looking T resists: in this model threats do invite resistance.
# * **A price, not weakness?** A concession to a threat moves the public belief that T is
#   pliable up by about 0.04; a paid concession by about 0.004, ten times less. A paid yes reveals
#   a price, almost no weakness — but that rests on the assumption that resolve costs only
#   apply under a threat (see [the model](../model.html), "The target's equilibrium").
# * **Third parties.** The model does *not* bear out that paying keeps others away:
#   entries per period are higher under offers than under threats, because every resisted
#   threat builds a reputation for resolve and a paid yes builds none.
# * **Latency.** Under threats T hedges by building latent capability (final latency above
#   2); under offers it does not. `mixed` gets the most compliance and the best payoff for
#   D, but leaves T worse off than offers alone (a negative target payoff) and draws the
#   most third-party entries.

# %% [markdown]
# ## The paired contrast
#
# `c.contrast(a, b)` takes the per-run differences a − b on the same seeds and reports
# their means with paired 95% confidence intervals.

# %%
ct = c.contrast("backscratching", "blackmail")
print(ct)

# %% [markdown]
# Every interval for cooperation and both payoffs lies far from zero: on these seeds
# backscratching beats blackmail for D *and* for T. It costs D what it pays
# (`transfer_per_run`), yet D still ends up ahead, since blackmail buys little compliance
# and D pays to carry out its threats. The one row whose interval straddles zero is the
# final belief: after 40 periods the two policies leave observers with about the same view
# of T. Third-party entries are *higher* under backscratching, as noted above.

# %% [markdown]
# ## Cooperation period by period
#
# `c.to_pandas()` has one row per policy, run and period. `response` is 1 when T complied,
# 0 when it resisted (and −1 when no demand was made). The mean of compliance by period
# shows how each policy's cooperation evolves as beliefs are updated.

# %%
df = c.to_pandas()
demands = df[df["response"] >= 0]
by_period = demands.groupby(["policy", "period"])["response"].mean().unstack("policy")

fig, ax = plt.subplots(figsize=(7, 4))
for policy in ["blackmail", "backscratching", "mixed"]:
    ax.plot(by_period.index, by_period[policy], label=policy)
ax.set_xlabel("period")
ax.set_ylabel("share of runs in which T complied")
ax.set_ylim(0, 1)
ax.set_title("oye-dyad, 300 runs per policy")
ax.legend()
plt.show()
