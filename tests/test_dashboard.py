"""The dashboard's logic in plain Python: uploads, controls, cache, plot data, the tutorial's
mechanisms, the address rules of `serve`, and the Panel widgets without a browser."""

from __future__ import annotations

import json

import numpy as np
import pytest
import yaml

from backscratch.cli import main
from backscratch.core.errors import ScenarioError
from backscratch.core.schema import load_scenario
from backscratch.dashboard import core, server, tutorial


@pytest.fixture
def small_dyad():
    return load_scenario("oye-dyad", {"runs": 200, "horizon": 15})


# ------------------------------------------------------------------------------ uploads


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (
            b"shadow: 0.5\nthreat:\n  credibilty: 0.9\n",
            "mine.yaml",
            "mine.yaml: threat.credibilty: unknown field (did you mean 'credibility'?)",
        ),
        (
            b"shadow: 0.5\nsahdow: 0.4\n",
            "mine.yml",
            "mine.yml: sahdow: unknown field (did you mean 'shadow'?)",
        ),
        (
            b"x" * (core.MAX_UPLOAD_BYTES + 1),
            "big.yaml",
            "big.yaml: the file is 1,000,001 bytes; scenario files are limited to 1 MB",
        ),
        (b"", "empty.yaml", "empty.yaml: the file is empty"),
        (b"shadow: 0.5\n", "notes.txt", "notes.txt: expected a .yaml, .yml or .toml scenario file"),
        (b"\xff\xfe\x00", "bin.yaml", "bin.yaml: not a text file (not UTF-8)"),
        (b"shadow: [0.5\n", "broken.yaml", "broken.yaml: malformed YAML"),
        (
            b"shadow = 1.5\n",
            "high.toml",
            "high.toml: shadow: input should be less than or equal to 1",
        ),
        (b"- a\n- b\n", "list.yaml", "list.yaml: a scenario must be a mapping of fields"),
        (b"horizon: 100000\n", "long.yaml", "long.yaml: horizon: 100000 periods is too long"),
        (b"model: other\n", "other.yaml", "other.yaml: model: unknown model 'other'"),
    ],
)
def test_bad_uploads_are_rejected_with_one_line_naming_the_problem(data, filename, message):
    with pytest.raises(ScenarioError) as err:
        core.parse_upload(data, filename)
    text = str(err.value)
    assert text.startswith(message)
    assert "\n" not in text


def test_upload_exactly_at_the_size_limit_is_read():
    body = b"shadow: 0.5\n"
    data = body + b"#" * (core.MAX_UPLOAD_BYTES - len(body) - 1) + b"\n"
    assert len(data) == core.MAX_UPLOAD_BYTES
    assert core.parse_upload(data, "max.yaml").shadow == 0.5


def test_good_upload_is_named_after_the_file_and_heavy_runs_are_lowered():
    sc = core.parse_upload(b"shadow: 0.4\nruns: 90000000\nhorizon: 40\n", "dir/My Case.yaml")
    assert sc.name == "My Case" and sc.shadow == 0.4
    assert sc.runs == core.max_runs(40) == 50_000
    toml = core.parse_upload(b'name = "t"\n[threat]\ncredibility = 0.9\n', "t.toml")
    assert toml.threat.credibility == 0.9


# ----------------------------------------------------------------------------- controls


def test_controls_name_real_scenario_fields_and_apply(small_dyad):
    values = {c.field: c.end for c in core.CONTROLS}
    sc = core.apply_controls(small_dyad, values, runs=50, seed=7)
    for c in core.CONTROLS:
        assert core.get_field(sc, c.field) == c.end
    assert isinstance(sc.third_parties.count, int)
    assert (sc.runs, sc.seed) == (50, 7)
    assert core.control_values(sc) == values


def test_controls_reject_unknown_fields_and_out_of_range_values(small_dyad):
    with pytest.raises(ScenarioError, match=r"^treat\.credibility: not a dashboard control"):
        core.apply_controls(small_dyad, {"treat.credibility": 0.5})
    with pytest.raises(ScenarioError, match=r"threat\.credibility: input should be less than"):
        core.apply_controls(small_dyad, {"threat.credibility": 1.5})
    with pytest.raises(ScenarioError, match=r"runs: 200000 runs × 15 periods exceeds"):
        core.apply_controls(small_dyad, {}, runs=200_000)


def test_slider_range_widens_to_fit_the_scenario_value():
    c = next(c for c in core.CONTROLS if c.field == "threat.punishment")
    assert core.slider_range(c, 1.0) == (c.start, c.end)
    assert core.slider_range(c, 12.0) == (c.start, 12.0)


# --------------------------------------------------------------------- cache, progress


def test_simulation_is_cached_by_scenario_and_seed_and_reports_progress(small_dyad):
    core.CACHE.clear()
    seen: list[float] = []
    first = core.simulate(small_dyad, seen.append)
    assert not first.cached
    assert seen == sorted(seen) and seen[-1] == pytest.approx(1.0) and len(seen) >= 3 * 10
    again = core.simulate(small_dyad.with_updates(**{"domestic.hawk_bias": 1.5}))
    assert again.cached and again.simulation is first.simulation  # η does not change play
    assert again.eta == 1.5 and first.eta == 0.0
    other = core.simulate(small_dyad.with_updates(seed=small_dyad.seed + 1))
    assert not other.cached
    assert not np.array_equal(
        other.policies["blackmail"].series["latency"], first.policies["blackmail"].series["latency"]
    )
    assert core.CACHE.hits == 1 and core.CACHE.misses == 2


def test_cache_drops_the_least_recently_used(small_dyad):
    cache = core._Cache(size=2)
    sims = [core.simulate(small_dyad.with_updates(seed=s)).simulation for s in range(3)]
    for i, sim in enumerate(sims):
        cache.put(str(i), sim)
    assert cache.get("0") is None and cache.get("2") is sims[2]


def test_reduced_series_agree_with_the_full_results(small_dyad):
    import backscratch as bs

    o = core.simulate(small_dyad)
    full = bs.run(small_dyad, policy="blackmail")
    run = o.policies["blackmail"]
    assert run.summary == full.summary()
    resp = full.records["response"]
    made = (resp >= 0).sum(axis=1)
    expect = np.where(made > 0, (resp == 1).sum(axis=1) / np.maximum(made, 1), np.nan)
    np.testing.assert_allclose(run.series["cooperation_rate"], expect)
    assert run.series["payoff_demander"][-1] == pytest.approx(full.summary()["demander_payoff"])
    assert run.leader_payoff(0.7) == pytest.approx(full.leader_payoff(0.7))
    expected = bs.compare(small_dyad, policies=list(core.POLICIES)).domestic()["eta_star"]
    assert o.simulation.eta_star == pytest.approx(expected)
    cols = core.series(o, "latency")
    assert set(cols) == {
        "period",
        *core.POLICIES,
        *(f"{p}_{b}" for p in core.POLICIES for b in ("lo", "hi")),
    }
    assert np.all(cols["blackmail_lo"] <= cols["blackmail_hi"])
    with pytest.raises(ScenarioError, match="series 'nope': unknown"):
        core.series(o, "nope")


def test_results_download_is_strict_json_and_the_scenario_reloads(small_dyad, tmp_path):
    sc = core.apply_controls(small_dyad, {"shadow": 0.55, "domestic.hawk_bias": 0.4})
    files = core.download_files(core.simulate(sc))
    assert sorted(files) == ["oye-dyad-results.json", "oye-dyad.yaml"]
    name_json, name_yaml = sorted(files)
    data = json.loads(files[name_json])
    json.dumps(data, allow_nan=False)  # no NaN: missing values are null
    assert data["hawk_bias"] == 0.4 and list(data["policies"]) == list(core.POLICIES)
    assert len(data["series"]["mixed"]["cooperation_rate"]) == sc.horizon
    path = tmp_path / name_yaml
    path.write_bytes(files[name_yaml])
    assert load_scenario(path) == sc


def test_headline_names_the_leaders_choice(small_dyad):
    # The leader's choice found by brute force over a fine grid of eta, from the full results.
    import backscratch as bs

    full = bs.compare(small_dyad, policies=list(core.POLICIES))
    lines = {
        p: (r.leader_payoff(0.0), r.leader_payoff(1.0) - r.leader_payoff(0.0))
        for p, r in full.results.items()
    }
    etas = np.linspace(0.0, 6.0, 60_001)
    payoff = np.array([a + etas * b for a, b in lines.values()])
    best = np.array(list(lines))[payoff.argmax(axis=0)]
    star = etas[np.argmax(best == "blackmail")] if (best == "blackmail").any() else None
    assert star is not None and 0.0 < star < 6.0, "the reference dyad has a lock-in threshold"
    coop = {p: s["cooperation_rate"] for p, s in full.summaries().items()}
    for eta in (0.0, 0.5 * star, 1.5 * star):
        o = core.simulate(small_dyad.with_updates(**{"domestic.hawk_bias": eta}))
        expected = best[np.searchsorted(etas, eta)]
        text = core.headline(o)
        assert f"prefers {expected} (cooperation {coop[expected]:.2f})" in text
        assert f"η* = {star:.2f}" in text
    assert best[0] != "blackmail"  # the flip is to blackmail, from something else
    o = core.simulate(small_dyad)
    rows = core.summary_rows(o)
    assert rows[-1][0] == "leader payoff / run at η = 0"
    assert len(rows) == len(core.ROWS) + 1 and all(len(r) == 4 for r in rows)


# ----------------------------------------------------------------------------- tutorial


def test_tutorial_has_the_five_steps_in_order():
    assert [s.key for s in tutorial.STEPS] == [
        "escalation",
        "contagion",
        "price",
        "hedging",
        "lock-in",
    ]
    base = tutorial.base_scenario()
    for step in tutorial.STEPS:
        core.get_field(base, step.control.field)  # a real field
        assert step.control.start <= step.default(base) <= step.control.end


def test_escalation_giving_in_to_threats_raises_the_next_demand():
    view = tutorial.STEPS[0].compute(0.6)
    assert view.numbers["blackmail_after_compliance"] > 0.01
    # a paid concession is slightly informative (docs/model.md, The target's equilibrium):
    # about a tenth of the escalation a threatened one brings (0.0036 against 0.034 here)
    assert (
        abs(view.numbers["backscratching_after_compliance"])
        < 0.2 * view.numbers["blackmail_after_compliance"]
    )
    assert "+0.0" in view.caption


def test_contagion_watchers_cut_cooperation_with_threats_not_offers():
    step = tutorial.STEPS[1]
    alone, watched = step.compute(0), step.compute(2)
    assert alone.numbers["blackmail_entries"] == 0.0
    drop = {
        p: alone.numbers[f"{p}_coop"] - watched.numbers[f"{p}_coop"]
        for p in ("blackmail", "backscratching")
    }
    assert drop["blackmail"] > 0.3 and abs(drop["backscratching"]) < 0.1 * drop["blackmail"]
    # ...but offers draw watchers too (docs/model.md, P2): paid compliance reveals the type
    assert watched.numbers["backscratching_entries"] > watched.numbers["blackmail_entries"]
    assert f"{watched.numbers['backscratching_entries']:.3f}" in watched.caption


def test_price_a_paid_concession_hardly_moves_the_belief():
    for price in (0.3, 1.5):
        view = tutorial.STEPS[2].compute(price)
        paid = np.array([v for v in view.ys["backscratching"] if np.isfinite(v)])
        threatened = np.array([v for v in view.ys["blackmail"] if np.isfinite(v)])
        assert threatened.size and threatened.min() > 0.0  # every concession under threat
        assert view.numbers["blackmail_jump"] > 0.01
        # a paid concession moves it less than a tenth as much, in every period
        assert paid.size and np.abs(paid).max() < 0.1 * threatened.min()


def test_hedging_threats_build_latency_offers_do_not():
    step = tutorial.STEPS[3]
    on, off = step.compute(0.05), step.compute(0.0)
    assert on.numbers["blackmail_final"] > on.threshold
    assert 0.0 <= on.numbers["backscratching_final"] < 0.01 * on.numbers["blackmail_final"]
    assert off.numbers["blackmail_final"] == 0.0


def test_lock_in_hawkish_leaders_switch_to_threats_above_eta_star():
    step = tutorial.STEPS[4]
    low = step.compute(0.0)
    star = low.numbers["eta_star"]
    assert 0.5 < star < 3.0
    o = core.simulate(tutorial.base_scenario())
    national = {p: r.leader_payoff(0.0) for p, r in o.policies.items()}
    first = max(national, key=national.get)
    assert first != "blackmail"  # abroad, threats lose: the leader's η = 0 pick is the best payer
    assert f"picks {first}" in low.caption
    just_below = step.compute(star - 0.05)
    assert "picks blackmail" not in just_below.caption
    high = step.compute(star + 0.2)
    assert "picks blackmail" in high.caption and high.marker == pytest.approx(star + 0.2)


# ------------------------------------------------------------------- widgets (no browser)


@pytest.fixture
def explore():
    from backscratch.dashboard.app import Explore

    return Explore(load_scenario("oye-dyad", {"runs": 200}))


def test_moving_a_slider_changes_the_plotted_data(explore):
    before = np.array(explore.sources["cooperation_rate"].data["blackmail"])
    explore.set_control("shadow", 0.5)
    after = np.array(explore.sources["cooperation_rate"].data["blackmail"])
    assert explore.outcome.scenario.shadow == 0.5
    assert not np.allclose(before, after, equal_nan=True)
    explore.set_control("domestic.hawk_bias", 3.0)  # η: same play, the leader's row changes
    assert explore.outcome.cached
    assert "at η = 3" in explore.table.object


def test_a_release_at_the_sliders_start_runs_too(explore):
    # Loading a scenario sets each slider's released value too: left at the slider's start,
    # a release there (credibility 0) changed nothing and started no run (found by
    # benchmarks/dashboard_load.py).
    for w in explore.sliders.values():
        assert w.value_throttled == w.value
    start = explore.sliders["threat.credibility"].start
    explore.set_control("threat.credibility", start)
    assert explore.outcome.scenario.threat.credibility == start == 0.0


def test_stepping_through_the_periods_moves_the_marker_and_reads_the_plots(explore):
    horizon = explore.outcome.scenario.horizon
    assert explore.player.start == 0 and explore.player.end == horizon - 1
    explore.player.value = 7
    assert [m.location for m in explore.markers] == [7] * len(explore.figures)
    coop = explore.sources["cooperation_rate"].data
    rows = {r[0]: r[1:] for r in core.period_rows(explore.outcome, 7)}
    want = [coop[p][7] for p in explore.outcome.policies]
    assert rows[core.SERIES["cooperation_rate"]] == pytest.approx(want, abs=0)
    assert "Period 7" in explore.period_info.object
    assert f"{want[0]:.3f}" in explore.period_info.object
    explore.player.value = 30  # each series is read at the marker's x, not elsewhere
    later = {r[0]: r[1:] for r in core.period_rows(explore.outcome, 30)}
    for key in ("demand", "latency"):
        col = explore.sources[key].data
        assert later[core.SERIES[key]] == [col[p][30] for p in explore.outcome.policies]
    assert later[core.SERIES["latency"]] != rows[core.SERIES["latency"]]  # latency grows
    with pytest.raises(ScenarioError, match=r"period 40: not in 0\.\.39"):
        core.period_rows(explore.outcome, horizon)
    # A shorter scenario pulls the player (and the marker) back inside its horizon.
    explore.handle_upload(b"name: short\nhorizon: 5\nruns: 100\n", "short.yaml")
    assert explore.player.end == 4 and explore.player.value == 4
    assert explore.markers[0].location == 4 and "Period 4" in explore.period_info.object


def test_latency_threshold_and_downloads_follow_the_scenario(explore):
    explore.handle_upload(b"name: alt\nhedging:\n  threshold: 2.5\nruns: 100\n", "alt.yaml")
    assert explore.threshold.location == 2.5
    assert explore.download_results.filename == "alt-results.json"
    assert yaml.safe_load(explore._download("scenario").getvalue())["hedging"]["threshold"] == 2.5
    assert json.loads(explore._download("results").getvalue())["scenario"] == "alt"


def test_bad_upload_shows_the_error_in_the_page_and_keeps_the_scenario(explore):
    ok = explore.handle_upload(b"threat:\n  credibilty: 0.9\n", "typo.yaml")
    assert not ok and explore.error.visible
    assert (
        "typo.yaml: threat.credibilty: unknown field (did you mean &#x27;credibility&#x27;?)"
        in explore.error.object
    )
    assert explore.outcome.scenario.name == "oye-dyad"
    assert explore.handle_upload(b"shadow: 0.3\nruns: 100\n", "fine.yaml")
    assert not explore.error.visible and explore.sliders["shadow"].value == 0.3
    assert explore.select.value is None


def test_large_files_are_refused_before_they_reach_the_websocket(explore):
    from bokeh.server.tornado import DEFAULT_WEBSOCKET_MAX_MESSAGE_SIZE_BYTES

    assert explore.upload.max_file_size == "1000KB"  # the browser refuses larger files
    assert explore.upload.chunk_size < DEFAULT_WEBSOCKET_MAX_MESSAGE_SIZE_BYTES


def _chunks(explore, name, pieces, total=None):
    from panel.models.file_dropper import UploadEvent

    total = len(pieces) if total is None else total
    for i, piece in enumerate(pieces, start=1):
        data = {"chunk": i, "data": piece, "name": name, "total_chunks": total, "type": ""}
        explore.upload._process_event(UploadEvent(model=None, data=data))


def test_a_chunked_upload_is_put_together_and_loaded(explore):
    text = b"shadow: 0.55\nruns: 100\n" + b"#" * 600_000 + b"\n"
    _chunks(
        explore, "big-but-fine.yaml", [text[i : i + 256_000] for i in range(0, len(text), 256_000)]
    )
    assert explore.outcome.scenario.shadow == 0.55 and not explore.error.visible


def test_endless_chunks_are_dropped_once_past_1_mb(explore):
    """A client that is not a browser announces a small file and sends chunks without end:
    the upload is dropped at the chunk that passes 1 MB, nothing of it is kept, and later
    chunks of it are ignored."""
    shadow = explore.outcome.scenario.shadow
    _chunks(explore, "endless.yaml", [b"#" * 256_000] * 40, total=4)
    assert "Rejected: endless.yaml: larger than 1 MB" in explore.error.object
    assert explore.upload._file_buffer == {} and explore.upload._received == {}
    assert explore.outcome.scenario.shadow == shadow
    _chunks(explore, "liar.yaml", [b"#"], total=10_000)  # announced too large: refused at once
    assert "liar.yaml: announced as larger than 1 MB" in explore.error.object
    assert explore.upload._file_buffer == {}


def test_uploads_stand_for_at_most_ten_thousand_values(explore):
    flow = b"a: [" + b"1," * 10_001 + b"1]\n"
    assert not explore.handle_upload(flow, "wide.yaml")
    assert "more than 10,000 values" in explore.error.object
    assert not explore.handle_upload(b"a = [" + b"1," * 10_001 + b"1]\n", "wide.toml")
    assert "TOML with more than 10,000 values" in explore.error.object


def test_the_file_dropper_hands_text_or_bytes_to_the_upload_check(explore):
    explore.upload.value = {"text.yaml": "shadow: 0.35\nruns: 100\n"}
    assert explore.outcome.scenario.shadow == 0.35
    explore.upload.value = {"raw.toml": b"shadow = 0.45\nruns = 100\n"}
    assert explore.outcome.scenario.shadow == 0.45 and explore.outcome.scenario.name == "raw"
    explore.upload.value = {"raw.toml": b"shadow = 4.5\n"}
    assert "raw.toml: shadow: input should be less than or equal to 1" in explore.error.object


def test_uploaded_values_set_the_sliders_widening_their_range(explore):
    explore.handle_upload(b"runs: 100\nthreat:\n  punishment: 12\n", "hard.yaml")
    slider = explore.sliders["threat.punishment"]
    assert slider.value == 12 and slider.end == 12
    explore.select.value = "blackmail-works"
    assert explore.outcome.scenario.name == "blackmail-works"
    assert explore.sliders["shadow"].value == 0.2


def test_tutorial_sliders_redraw_their_step():
    from backscratch.dashboard.app import Tutorial

    lesson = Tutorial()
    step = tutorial.STEPS[1]
    before = list(lesson.sources["contagion"].data["blackmail"])
    lesson.sliders["contagion"].value = 0
    lesson.update(step)
    assert list(lesson.sources["contagion"].data["blackmail"]) != before
    assert "With M = 0" in lesson.captions["contagion"].object


# -------------------------------------------------------------------------------- serve


def test_serve_binds_loopback_unless_told_otherwise():
    assert server.check_host(None, explicit=False) == ("127.0.0.1", None)
    assert server.check_host("localhost", explicit=True) == ("localhost", None)
    assert server.check_host("::1", explicit=True)[1] is None
    with pytest.raises(ScenarioError, match=r"^--host 0\.0\.0\.0: not a loopback address"):
        server.check_host("0.0.0.0", explicit=False)
    address, warning = server.check_host("0.0.0.0", explicit=True, port=8080)
    assert address == "0.0.0.0" and "not a loopback address" in warning and "8080" in warning
    for empty in ("", "*"):
        with pytest.raises(ScenarioError, match="binds every interface"):
            server.check_host(empty, explicit=True)


def test_host_headers_answered_are_the_loopback_names_unless_host_was_chosen():
    allowed = server.allowed_hosts("127.0.0.1", 5006)
    assert {"127.0.0.1:5006", "localhost:5006", "[::1]:5006", "localhost"} <= allowed
    assert "evil.example:5006" not in allowed and "127.0.0.2:5006" not in allowed
    assert "[::1]:7" in server.allowed_hosts("::1", 7)
    assert server.allowed_hosts("0.0.0.0", 7) is None  # --host 0.0.0.0: any name


def test_websocket_origins_are_the_loopback_names():
    assert server.websocket_origins("127.0.0.1", 5006) == ["127.0.0.1:5006", "localhost:5006"]
    assert server.websocket_origins("::1", 7) == ["127.0.0.1:7", "[::1]:7", "localhost:7"]
    assert server.websocket_origins("0.0.0.0", 7) == ["*"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--host", ""], "backscratch: error: --host '': an empty address binds every interface"),
        (["--port", "0"], "backscratch: error: --port 0: not a port number (1-65535)"),
    ],
)
def test_serve_bad_address_is_one_line_and_exit_2(capsys, args, message):
    assert main(["serve", *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith(message) and err.count("\n") == 1


def test_serve_warns_on_an_explicit_non_loopback_host(capsys, monkeypatch):
    def refuse(port, host):  # stands in for the server: nothing is bound in this test
        raise OSError(98, "Address already in use")

    monkeypatch.setattr(server, "make_server", refuse)
    assert main(["serve", "--host", "0.0.0.0", "--port", "5999"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith("backscratch: warning: serving on 0.0.0.0, which is not a loopback")
    assert err[1] == (
        "backscratch: error: --port 5999: cannot listen on 0.0.0.0 (Address already in use)"
    )
    assert main(["serve", "--port", "5999"]) == 2  # loopback: no warning
    assert capsys.readouterr().err.startswith(
        "backscratch: error: --port 5999: cannot listen on 127.0.0.1"
    )
