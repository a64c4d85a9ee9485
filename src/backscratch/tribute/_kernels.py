"""Numba kernels of Axelrod's tribute model: one compiled pass advances every run some years.

The rules are those of Axelrod's Pascal program ``Tribute40`` (1993), generalised from the
ring to any graph (given in CSR form: ``indptr``, ``indices``); see
:mod:`backscratch.tribute.model` for the statement of every rule and the readings taken.
The kernels draw no random numbers: the activated actors come in as an array, so results do
not depend on how runs are chunked or scheduled.

Arrays: wealth ``W[run, actor]`` (float64); commitments ``C[run, from, to]`` (int8, percent,
``C[i, i] = 100``); activations ``act[year, k, run]`` (int32 actor index).

Every change of a commitment is tracked (see :func:`tracking_arrays`): which entries changed
since the last snapshot (a bit per entry and, while they are few, a list of them), and each
actor's number of *links* (partners with mutual commitment at or above the cluster
threshold). A snapshot then stores only the changed entries (:func:`collect_changes`) and
finds the clusters among linked actors only (:func:`linked_clusters`), so neither costs
``actors^2`` a year.
"""

from __future__ import annotations

import numpy as np
from numba import njit

NONE, BLACKMAIL, BACKSCRATCHING, MIXED = 0, 1, 2, 3
"""Variant codes: no activations; demands only (Axelrod); offers only; both."""

DEMAND, OFFER = 1, 2
"""Kinds of action chosen by an active actor."""

N_EVENTS = 7
FIGHTS, DEMANDS, TRIBUTES, OFFERS, TRIBUTE_PAID, OFFER_PAID, DESTROYED = range(N_EVENTS)
"""Columns of the yearly event counts ``events[year, run, column]``."""


@njit(cache=True)
def alliances(i, j, W, C, indptr, indices, contiguity, mark, stamp, att, dfn):
    """The sides if ``i`` demands of ``j``: ``(reachable, w_att, w_def, n_att, n_def)``.

    The attacker's side is ``i`` and every actor ``o`` more committed to ``i`` than to ``j``
    (``C[o, i] > C[o, j]``) connected to ``i`` through such actors; the defender's side
    likewise for ``j`` (``C[o, j] > C[o, i]``). ``j`` is reachable if it neighbours the
    attacker's side. Each member adds ``C[o, side] / 100`` of its wealth (the leaders all of
    theirs). Without contiguity, every such actor joins, wherever it is. Members are written
    to ``att[:n_att]`` and ``dfn[:n_def]`` (leaders first); ``mark`` holds ``stamp`` for the
    attacker's side and ``stamp + 1`` for the defender's.
    """
    n = W.shape[0]
    w_att = W[i]
    w_def = W[j]
    att[0] = i
    dfn[0] = j
    n_att = 1
    n_def = 1
    if not contiguity:
        for o in range(n):
            if o == i or o == j:
                continue
            if C[o, i] > C[o, j]:
                w_att = w_att + C[o, i] * W[o] / 100.0
                att[n_att] = o
                n_att += 1
            elif C[o, j] > C[o, i]:
                w_def = w_def + C[o, j] * W[o] / 100.0
                dfn[n_def] = o
                n_def += 1
        return True, w_att, w_def, n_att, n_def
    sa = stamp
    sd = stamp + 1
    mark[i] = sa
    mark[j] = sd
    reachable = False
    head = 0
    while head < n_att:
        u = att[head]
        head += 1
        for p in range(indptr[u], indptr[u + 1]):
            v = indices[p]
            if v == j:
                reachable = True
            elif mark[v] != sa and C[v, i] > C[v, j]:
                mark[v] = sa
                w_att = w_att + C[v, i] * W[v] / 100.0
                att[n_att] = v
                n_att += 1
    if not reachable:
        return False, w_att, w_def, n_att, n_def
    head = 0
    while head < n_def:
        u = dfn[head]
        head += 1
        for p in range(indptr[u], indptr[u + 1]):
            v = indices[p]
            if mark[v] != sd and C[v, j] > C[v, i]:
                mark[v] = sd
                w_def = w_def + C[v, j] * W[v] / 100.0
                dfn[n_def] = v
                n_def += 1
    return True, w_att, w_def, n_att, n_def


@njit(cache=True)
def demand_value(w_target, w_att, w_def, demand):
    """Rule A2: ``min(demand, W_j) * (W_att - W_def) / W_att`` (-min(...) if ``W_att = 0``)."""
    payment = min(demand, w_target)
    if w_att == 0.0:
        vulnerability = -1.0
    else:
        vulnerability = (w_att - w_def) / w_att
    return payment * vulnerability


@njit(cache=True)
def offer_value(w_target, c_target_to_active, step, price):
    """Support bought by an offer, ``min(step, 100 - C[j, i]) / 100 * W_j``, minus the price."""
    gain = min(step, 100 - c_target_to_active)
    return gain * w_target / 100.0 - price


@njit(cache=True)
def pays(w_target, w_att, w_def, demand, destructiveness):
    """Rule B4: pay iff ``min(d * W_att * W_j / W_def, W_j) >= min(demand, W_j)``."""
    payment = min(demand, w_target)
    if w_def == 0.0:
        upper = 0.0
    else:
        upper = destructiveness * w_att * (w_target / w_def)
    return min(upper, w_target) >= payment


@njit(cache=True, inline="always")
def _bump(C, a, b, delta, track, threshold):
    """``C[a, b] += delta`` within [0, 100]; a change is noted in ``track`` (one run's
    ``(changed bits, changed list, [count], links)``, see :func:`tracking_arrays`)."""
    old = np.int64(C[a, b])
    v = old + delta
    if v > 100:
        v = 100
    elif v < 0:
        v = 0
    if v == old:
        return
    C[a, b] = v
    bits, changed, count, links = track
    f = np.int64(a) * C.shape[1] + b
    word = f >> 6
    bit = np.uint64(1) << np.uint64(f & 63)
    if bits[word] & bit == 0:
        bits[word] |= bit
        k = count[0]
        if k < changed.shape[0]:
            changed[k] = f
        count[0] = k + 1
    if a != b:
        partner = np.int64(C[b, a])
        was = old >= threshold and partner >= threshold
        now = v >= threshold and partner >= threshold
        if was != now:
            d = 1 if now else -1
            links[a] += d
            links[b] += d


@njit(cache=True)
def choose(i, W, C, indptr, indices, rules, scratch, counter):
    """The active actor's best action: ``(target, kind, value)``; target -1 if none.

    Candidates are searched depth-first from ``i`` in neighbour order (on Axelrod's ring: all
    the way left, then right); the search goes past a candidate only if that candidate has
    some commitment to ``i`` (Pascal: ``if loyalty_pc[j_temp, i] = 0 then goto 1``). Of the
    reachable candidates the first with the strictly highest positive value is chosen.
    """
    contiguity, policy, demand = rules.contiguity, rules.policy, rules.demand
    step, price = rules.step, rules.price
    n = W.shape[0]
    seen, mark, stack, pos, att, dfn = (
        scratch[0],
        scratch[1],
        scratch[2],
        scratch[3],
        scratch[4],
        scratch[5],
    )
    best = 0.0
    best_j = -1
    best_kind = 0
    do_demand = policy == BLACKMAIL or policy == MIXED
    do_offer = (policy == BACKSCRATCHING or policy == MIXED) and W[i] >= price
    counter[0] += 1
    s_seen = counter[0]
    seen[i] = s_seen
    top = 0
    stack[0] = i
    pos[0] = indptr[i]
    v = -1
    k = 0
    while True:
        # next candidate: depth-first (contiguity) or every other actor by index
        if contiguity:
            found = False
            while top >= 0:
                u = stack[top]
                p = pos[top]
                if p == indptr[u + 1]:
                    top -= 1
                    continue
                pos[top] = p + 1
                v = indices[p]
                if seen[v] != s_seen:
                    seen[v] = s_seen
                    found = True
                    break
            if not found:
                break
        else:
            if k == n:
                break
            v = k
            k += 1
            if v == i:
                continue
        counter[0] += 2
        reach, w_att, w_def, _, _ = alliances(
            i, v, W, C, indptr, indices, contiguity, mark, counter[0], att, dfn
        )
        if reach:
            if do_demand:
                val = demand_value(W[v], w_att, w_def, demand)
                if val > best:
                    best, best_j, best_kind = val, v, DEMAND
            if do_offer:
                val = offer_value(W[v], np.int64(C[v, i]), step, price)
                if val > best:
                    best, best_j, best_kind = val, v, OFFER
        if contiguity and C[v, i] > 0:
            top += 1
            stack[top] = v
            pos[top] = indptr[v]
    return best_j, best_kind, best


@njit(cache=True)
def act(i, W, C, indptr, indices, rules, scratch, counter, events, track):
    """One activation of actor ``i``: choose, then demand (pay or fight) or offer.

    ``events`` (length :data:`N_EVENTS`) is incremented in place, commitment changes are
    noted in ``track`` (one run's, see :func:`tracking_arrays`). Returns the kind done
    (0 nothing, 1 tribute paid, 2 fight, 3 offer accepted) and the target.
    """
    contiguity, demand, destructiveness = rules.contiguity, rules.demand, rules.destructiveness
    step, price, th = rules.step, rules.price, rules.cluster_threshold
    j, kind, _ = choose(i, W, C, indptr, indices, rules, scratch, counter)
    if j < 0:
        return 0, -1
    if kind == OFFER:
        W[i] -= price
        W[j] += price
        _bump(C, i, j, step, track, th)
        _bump(C, j, i, step, track, th)
        events[OFFERS] += 1.0
        events[OFFER_PAID] += price
        return 3, j
    att, dfn = scratch[4], scratch[5]
    counter[0] += 2
    _, w_att, w_def, n_att, n_def = alliances(
        i, j, W, C, indptr, indices, contiguity, scratch[1], counter[0], att, dfn
    )
    events[DEMANDS] += 1.0
    if pays(W[j], w_att, w_def, demand, destructiveness):
        tribute = min(W[j], demand)
        W[i] += tribute
        W[j] -= tribute
        _bump(C, i, j, step, track, th)
        _bump(C, j, i, step, track, th)
        events[TRIBUTES] += 1.0
        events[TRIBUTE_PAID] += tribute
        return 1, j
    # fight: each side loses min(d * other side's strength, own strength), shared in
    # proportion to commitment-weighted wealth (commitments before the fight)
    by_att = min(destructiveness * w_att, w_def)
    by_def = min(destructiveness * w_def, w_att)
    lost = 0.0
    if w_att > 0.0:
        for a in range(n_att):
            k = att[a]
            loss = by_def * C[k, i] * (W[k] / w_att) / 100.0
            W[k] = max(W[k] - loss, 0.0)  # max: rounding guard only
            lost += loss
    if w_def > 0.0:
        for d in range(n_def):
            k = dfn[d]
            loss = by_att * C[k, j] * (W[k] / w_def) / 100.0
            W[k] = max(W[k] - loss, 0.0)
            lost += loss
    for a in range(n_att):
        k = att[a]
        for b in range(n_att):
            _bump(C, k, att[b], step, track, th)
        for d in range(n_def):
            _bump(C, k, dfn[d], -step, track, th)
    for d in range(n_def):
        k = dfn[d]
        for b in range(n_def):
            _bump(C, k, dfn[b], step, track, th)
        for a in range(n_att):
            _bump(C, k, att[a], -step, track, th)
    events[FIGHTS] += 1.0
    events[DESTROYED] += lost
    return 2, j


def scratch_arrays(n: int) -> tuple[np.ndarray, ...]:
    """Work arrays for :func:`choose` / :func:`act` on ``n`` actors."""
    return tuple(np.zeros(n, dtype=np.int64) for _ in range(6))


N_STATS = 3
TOTAL, TOP_SHARE, MAJOR = range(N_STATS)
"""Columns of the yearly wealth statistics ``stats[year, run, column]``."""


@njit(cache=True)
def produce_and_measure(W, income, dominance, out):
    """Add ``income`` to every actor, then write the total wealth, the top actor's share of
    it and the number of actors holding more than ``dominance`` of it to ``out``."""
    total = 0.0
    top = -np.inf
    for a in range(W.shape[0]):
        w = W[a] + income
        W[a] = w
        total += w
        if w > top:
            top = w
    bar = dominance * total
    major = 0
    for a in range(W.shape[0]):
        if W[a] > bar:
            major += 1
    out[TOTAL] = total
    out[TOP_SHARE] = top / total if total > 0.0 else 0.0
    out[MAJOR] = major


@njit(cache=True)
def advance(W, C, indptr, indices, acts, rules, events, stats, track):
    """Advance every run ``acts.shape[0]`` years in place, under ``rules`` (a
    :class:`backscratch.tribute.model.Rules`, read by field name).

    ``acts[y, k, r]``: the actor activated ``k``-th in year ``y`` of run ``r``. Each year:
    the activations in order, then every actor's income. ``events[y, r, :]`` receives the
    year's counts (see :data:`N_EVENTS`), ``stats[y, r, :]`` the wealth statistics at the
    year's end (see :data:`N_STATS`); ``track`` (:func:`tracking_arrays`) the changes.
    """
    bits, changed, count, links = track
    runs, n = W.shape
    years, per_year = acts.shape[0], acts.shape[1]
    scratch = (
        np.zeros(n, dtype=np.int64),
        np.zeros(n, dtype=np.int64),
        np.zeros(n, dtype=np.int64),
        np.zeros(n, dtype=np.int64),
        np.zeros(n, dtype=np.int64),
        np.zeros(n, dtype=np.int64),
    )
    counter = np.zeros(1, dtype=np.int64)
    for r in range(runs):
        Wr = W[r]
        Cr = C[r]
        tr = (bits[r], changed[r], count[r : r + 1], links[r])
        # stamps are compared for equality only, so restarting them per run is safe after
        # clearing the marks
        scratch[0][:] = 0
        scratch[1][:] = 0
        counter[0] = 0
        for y in range(years):
            ev = events[y, r]
            if rules.policy != NONE:
                for k in range(per_year):
                    act(acts[y, k, r], Wr, Cr, indptr, indices, rules, scratch, counter, ev, tr)
            produce_and_measure(Wr, rules.income, rules.dominance, stats[y, r])


@njit(cache=True)
def clusters(C, W, threshold):
    """Clusters per run: ``(count, largest, members)``.

    Two actors are linked if their mutual commitment ``min(C[a, b], C[b, a])`` is at least
    ``threshold``. Clusters are grown greedily around the wealthiest actor not yet placed that
    has a link to another unplaced actor: unplaced actors linked to it join in order of
    decreasing wealth (ties: lower index) if linked to every member so far. Every pair in a
    cluster is thus mutually committed; only clusters of two or more actors are counted.
    """
    runs, n = C.shape[0], C.shape[1]
    count = np.zeros(runs, dtype=np.int32)
    largest = np.zeros(runs, dtype=np.int32)
    members = np.zeros(runs, dtype=np.int32)
    placed = np.zeros(n, dtype=np.bool_)
    group = np.empty(n, dtype=np.int64)
    linked = np.empty(n, dtype=np.int64)
    for r in range(runs):
        # actors with no link at all can be in no cluster: place them at once
        placed[:] = True
        for a in range(n):
            for b in range(a + 1, n):
                if C[r, a, b] >= threshold and C[r, b, a] >= threshold:
                    placed[a] = False
                    placed[b] = False
        order = np.argsort(-W[r], kind="mergesort")  # wealthiest first, stable
        _grow_clusters(C[r], order, placed, group, linked, threshold, count, largest, members, r)
    return count, largest, members


@njit(cache=True)
def _grow_clusters(Cr, order, placed, group, linked, threshold, count, largest, members, r):
    """The greedy growth of :func:`clusters` over the actors ``order`` (wealthiest first)
    of run ``r`` (commitments ``Cr``): adds its clusters to ``count[r]``, ``largest[r]``,
    ``members[r]`` and marks their members ``placed``."""
    m = order.shape[0]
    for s in range(m):
        seed = order[s]
        if placed[seed]:
            continue
        n_linked = 0
        for t in range(m):
            cand = order[t]
            if not placed[cand] and cand != seed:
                if Cr[cand, seed] >= threshold and Cr[seed, cand] >= threshold:
                    linked[n_linked] = cand
                    n_linked += 1
        size = 1
        group[0] = seed
        for t in range(n_linked):
            cand = linked[t]
            ok = True
            for g in range(size):
                mm = group[g]
                if Cr[cand, mm] < threshold or Cr[mm, cand] < threshold:
                    ok = False
                    break
            if ok:
                group[size] = cand
                size += 1
        if size >= 2:
            for g in range(size):
                placed[group[g]] = True
            count[r] += 1
            members[r] += size
            if size > largest[r]:
                largest[r] = size


# ------------------------------------------------------------------ tracking, snapshots

CHANGED_LIST = 4096
"""Changed entries listed per run between snapshots; beyond it they are found from the bits."""


def tracking_arrays(runs: int, n: int, initial: int, threshold: int) -> tuple[np.ndarray, ...]:
    """What :func:`advance` notes of commitment changes for ``runs`` runs of ``n`` actors whose
    commitments start at ``initial``: ``(bits, changed, count, links)``. ``bits[run]`` has a
    bit per entry ``from * n + to`` changed since the last snapshot, ``changed[run, :count]``
    lists them (while ``count <= changed.shape[1]``), ``links[run, actor]`` counts the
    actor's partners with both commitments at least ``threshold``."""
    words = -(-n * n // 64)
    bits = np.zeros((runs, words), dtype=np.uint64)
    changed = np.zeros((runs, min(n * n, CHANGED_LIST)), dtype=np.int64)
    count = np.zeros(runs, dtype=np.int64)
    links = np.full((runs, n), n - 1 if initial >= threshold else 0, dtype=np.int64)
    return bits, changed, count, links


@njit(cache=True)
def collect_changes(C, bits, changed, count, starts, idx, val):
    """Write each run's entries changed since the last snapshot, ``from * n + to`` to
    ``idx`` and the commitment now to ``val`` (run ``r`` at ``starts[r]:starts[r + 1]``, as
    many as ``count[r]``), and clear the tracking for the next snapshot."""
    n = C.shape[1]
    for r in range(C.shape[0]):
        k = count[r]
        p = starts[r]
        Cr = C[r]
        if k <= changed.shape[1]:
            for t in range(k):
                f = changed[r, t]
                idx[p + t] = f
                val[p + t] = Cr[f // n, f % n]
                bits[r, f >> 6] = 0  # every set bit is listed
        else:
            for w in range(bits.shape[1]):
                x = bits[r, w]
                if x == 0:
                    continue
                for b in range(64):
                    if x & (np.uint64(1) << np.uint64(b)):
                        f = np.int64(w) * 64 + b
                        idx[p] = f
                        val[p] = Cr[f // n, f % n]
                        p += 1
                bits[r, w] = 0
        count[r] = 0


@njit(cache=True)
def linked_clusters(C, W, links, threshold, count, largest, members):
    """:func:`clusters` of every run, looking at linked actors only (``links[run, actor] >
    0``): the same clusters, without scanning all ``actors^2`` pairs. Writes ``count[r]``,
    ``largest[r]``, ``members[r]``."""
    runs, n = W.shape
    placed = np.zeros(n, dtype=np.bool_)
    nodes = np.empty(n, dtype=np.int64)
    group = np.empty(n, dtype=np.int64)
    linked = np.empty(n, dtype=np.int64)
    for r in range(runs):
        count[r] = 0
        largest[r] = 0
        members[r] = 0
        m = 0
        for a in range(n):
            if links[r, a] > 0:
                nodes[m] = a
                m += 1
        if m == 0:
            continue
        key = np.empty(m)
        for t in range(m):
            key[t] = -W[r, nodes[t]]
            placed[nodes[t]] = False
        # stable: the same relative order as sorting every actor, wealthiest first
        order = nodes[:m][np.argsort(key, kind="mergesort")]
        _grow_clusters(C[r], order, placed, group, linked, threshold, count, largest, members, r)


@njit(cache=True)
def apply_changes(mats, idx, val, starts):
    """Set ``mats[r, idx[t]] = val[t]`` for ``t`` in ``starts[r]:starts[r + 1]`` (one
    snapshot's changes to commitment matrices flattened to ``mats[run, from * n + to]``)."""
    for r in range(mats.shape[0]):
        for t in range(starts[r], starts[r + 1]):
            mats[r, idx[t]] = val[t]
