"""Dashboard under load: N concurrent clients on loopback moving the Explore tab's sliders.

    python benchmarks/dashboard_load.py [--quick] [--clients 20] [--seconds 60] [--think 0.5]

Starts ``backscratch serve`` itself on a free loopback port (and stops it at the end, also on
Ctrl-C), then runs two phases against the same server: the peer, ONE client, and then
``--clients`` clients at once, each for ``--seconds``. A client is a Bokeh-protocol websocket
client written with tornado (no browser): it loads the page as a browser does (``GET /``, which
creates the session), connects to ``/ws`` with the page's session token, pulls the document and
finds the Explore tab's sliders. Then, until its time is up, it picks the credibility q or the
punishment P slider, drags it to a new value (a few ``value`` changes, then the release:
``value`` and ``value_throttled``, as Bokeh's slider sends them), and waits for the server's
redraw: the document patch that hides the progress bar again, which the page sends when it
draws the new result (figures' data, table, headline); then it pauses a random think time
(0 to 2 x ``--think`` seconds) and moves again.

Latency is the time from sending the release to receiving that patch: the simulation (one
worker thread per server, shared by every session: the machine's cores are shared) plus
queueing and the round trip. Errors are failed page loads or connections, websockets closed
by the server, Bokeh ``ERROR`` replies, error messages shown in the page, redraws that do not
come within ``--timeout`` seconds, and tracebacks or ``ERROR`` lines in the server's log.

Prints, per phase, the moves, the latency's p50 and p95, how many redraws came from the
simulation cache (the status line says so), the page-load time, then the ratio N clients / 1
client, the server's resident memory (psutil) before and after, and the error count, which must
be 0 (the script exits 1 otherwise). ``--quick``: 4 clients for 10 s.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field

import numpy as np
import psutil
from bokeh.protocol import Protocol
from bokeh.protocol.receiver import Receiver
from tornado.httpclient import AsyncHTTPClient, HTTPRequest
from tornado.websocket import websocket_connect

from backscratch.dashboard import core

MOVED = ("threat.credibility", "threat.punishment")
"""The sliders the clients move (fields of :data:`backscratch.dashboard.core.CONTROLS`)."""

LABELS = {c.field: c.label for c in core.CONTROLS}
CONTROL = {c.field: c for c in core.CONTROLS}


# ------------------------------------------------------------------------------------ server


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int, log) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "backscratch", "serve", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )


async def wait_ready(proc: subprocess.Popen, base: str, timeout: float = 120.0) -> None:
    http = AsyncHTTPClient()
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise SystemExit(f"the server exited with status {proc.returncode}")
        try:
            await http.fetch(base + "/", request_timeout=30)
            return
        except Exception:
            await asyncio.sleep(0.3)
    raise SystemExit(f"the server did not answer {base}/ within {timeout:.0f} s")


def stop_server(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def rss_mb(proc: subprocess.Popen) -> float:
    return psutil.Process(proc.pid).memory_info().rss / 2**20


def log_errors(path: str) -> list[str]:
    with open(path, encoding="utf-8", errors="replace") as f:
        return [ln.rstrip() for ln in f if "Traceback" in ln or re.match(r"\s*ERROR", ln)]


# ------------------------------------------------------------------------------------ client


def _models(obj, out: dict) -> dict:
    """Every model of a serialised document (or patch) by id, in document order."""
    if isinstance(obj, dict):
        if obj.get("type") == "object" and "id" in obj and "name" in obj:
            out.setdefault(obj["id"], obj)
        for v in obj.values():
            _models(v, out)
    elif isinstance(obj, list):
        for v in obj:
            _models(v, out)
    return out


@dataclass
class Stats:
    latencies: list[float] = field(default_factory=list)
    page_loads: list[float] = field(default_factory=list)
    cached: int = 0
    errors: list[str] = field(default_factory=list)


class Client:
    """One browser's worth of Bokeh protocol over one websocket."""

    def __init__(self, base: str, stats: Stats, rng: random.Random, timeout: float):
        self.base, self.stats, self.rng, self.timeout = base, stats, rng, timeout
        self.ws = None
        self.receiver = Receiver(Protocol())
        self.sliders: dict[str, str] = {}  # field -> model id (the Explore tab's)
        self.values: dict[str, float] = {}
        self.progress = None  # the Explore tab's progress bar (model id)
        self.busy = False  # whether that bar is shown (a simulation is running)
        self.done = asyncio.Event()  # the latest redraw arrived
        self.last_patch = 0.0
        self.reader: asyncio.Task | None = None

    async def send(self, msgtype: str, content: dict) -> None:
        header = {"msgid": uuid.uuid4().hex, "msgtype": msgtype}
        for part in (header, {}, content):
            await self.ws.write_message(json.dumps(part))

    async def receive(self):
        while True:
            fragment = await self.ws.read_message()
            if fragment is None:
                raise ConnectionError(f"websocket closed by the server ({self.ws.close_reason})")
            message = await self.receiver.consume(fragment)
            if message is not None:
                return message

    async def connect(self) -> None:
        t0 = time.perf_counter()
        page = await AsyncHTTPClient().fetch(self.base + "/", request_timeout=self.timeout)
        token = re.search(r'"token":\s*"([^"]+)"', page.body.decode()).group(1)
        request = HTTPRequest(
            self.base.replace("http", "ws", 1) + "/ws",
            headers={"Origin": self.base},
            request_timeout=self.timeout,
        )
        self.ws = await websocket_connect(
            request, subprotocols=["bokeh", token], max_message_size=64 * 2**20
        )
        ack = await asyncio.wait_for(self.receive(), self.timeout)
        if ack.header["msgtype"] != "ACK":
            raise ConnectionError(f"expected ACK, got {ack.header['msgtype']}")
        await self.send("PULL-DOC-REQ", {})
        while True:  # patches of the session's first refresh may come before the reply
            reply = await asyncio.wait_for(self.receive(), self.timeout)
            if reply.header["msgtype"] == "PULL-DOC-REPLY":
                break
        self.stats.page_loads.append(time.perf_counter() - t0)
        models = _models(reply.content["doc"], {})
        by_title: dict[str, str] = {}
        for mid, m in models.items():  # the Explore tab comes first; the Tutorial repeats titles
            attrs = m.get("attributes", {})
            if m["name"] == "Slider":
                by_title.setdefault(attrs.get("title"), mid)
            elif m["name"].endswith("Progress") and self.progress is None:
                self.progress, self.busy = mid, bool(attrs.get("visible"))
        for f in MOVED:
            self.sliders[f] = by_title[LABELS[f]]
            self.values[f] = models[self.sliders[f]]["attributes"]["value"]
        if self.progress is None:
            raise LookupError("no progress bar in the page")
        self.last_patch = time.monotonic()
        self.reader = asyncio.create_task(self.read())
        # the session's first refresh (with a fresh numba cache it compiles the kernels): wait
        # until it is drawn and the page has been quiet for a second
        end = time.monotonic() + self.timeout
        while self.busy or time.monotonic() - self.last_patch < 1.0:
            if time.monotonic() > end:
                raise TimeoutError(f"the session's first redraw took over {self.timeout:.0f} s")
            await asyncio.sleep(0.2)

    async def read(self) -> None:
        """Read every message; flag the redraw, error replies and alerts shown in the page."""
        try:
            while True:
                message = await self.receive()
                kind = message.header["msgtype"]
                if kind == "ERROR":
                    self.stats.errors.append(f"server ERROR reply: {message.content}")
                    continue
                if kind != "PATCH-DOC":
                    continue
                self.last_patch = time.monotonic()
                events = message.content.get("events", [])
                for ev in events:
                    mid = (ev.get("model") or {}).get("id")
                    attr, new = ev.get("attr"), ev.get("new")
                    if mid == self.progress and attr == "visible":
                        self.busy = bool(new)
                        if new is False:
                            self.done.set()
                    elif attr == "text" and "from the cache" in str(new):  # the status line
                        self.stats.cached += 1
                    elif attr == "text" and "alert" in str(new):
                        self.stats.errors.append(f"page shows an error: {str(new)[:200]}")
                # A result from the cache is drawn without showing the progress bar (its
                # `visible` does not change, so no event says so): the page's text (table,
                # headline, status) changing while it is not busy is the redraw.
                if not self.busy and any(ev.get("attr") == "text" for ev in events):
                    self.done.set()
        except ConnectionError as exc:
            self.stats.errors.append(str(exc))
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self.stats.errors.append(f"reading: {type(exc).__name__}: {exc}")
        self.done.set()  # wake a waiting move; it sees the socket closed

    async def move(self) -> None:
        """Drag one slider to a new value and time the redraw after the release."""
        f = self.rng.choice(MOVED)
        c = CONTROL[f]
        grid = np.round(np.arange(c.start, c.end + c.step / 2, c.step), 6)
        new = float(self.rng.choice([v for v in grid if abs(v - self.values[f]) > 1e-9]))
        mid = self.sliders[f]
        old = self.values[f]
        for frac in (0.25, 0.5, 0.75):  # the drag: value only, no run yet
            value = round(old + frac * (new - old), 6)
            await self.send("PATCH-DOC", {"events": [_changed(mid, "value", value)]})
            await asyncio.sleep(0.02)
        self.done.clear()
        t0 = time.perf_counter()
        await self.send(
            "PATCH-DOC",
            {"events": [_changed(mid, "value", new), _changed(mid, "value_throttled", new)]},
        )
        self.values[f] = new
        try:
            await asyncio.wait_for(self.done.wait(), self.timeout)
        except TimeoutError:
            raise TimeoutError(f"no redraw within {self.timeout:.0f} s") from None
        if self.reader.done():
            raise ConnectionError("websocket closed")
        self.stats.latencies.append(time.perf_counter() - t0)

    async def close(self) -> None:
        if self.reader is not None:
            self.reader.cancel()
        if self.ws is not None:
            self.ws.close()


def _changed(mid: str, attr: str, new) -> dict:
    return {"kind": "ModelChanged", "model": {"id": mid}, "attr": attr, "new": new}


async def run_client(
    base: str, stats: Stats, seed: int, ready: asyncio.Barrier, seconds: float, args
) -> None:
    client = Client(base, stats, random.Random(seed), args.timeout)
    try:
        try:
            await client.connect()
        finally:
            await ready.wait()  # every client connected (or failed): the clock starts
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            await client.move()
            await asyncio.sleep(client.rng.uniform(0, 2 * args.think))
    except asyncio.CancelledError:
        raise
    except Exception as exc:
        stats.errors.append(f"client {seed}: {type(exc).__name__}: {exc}")
    finally:
        await client.close()


async def phase(base: str, clients: int, seconds: float, seed: int, args) -> Stats:
    stats = Stats()
    ready = asyncio.Barrier(clients)
    await asyncio.gather(
        *(run_client(base, stats, seed + i, ready, seconds, args) for i in range(clients))
    )
    return stats


# ------------------------------------------------------------------------------------ report


def pct(xs: list[float], q: float) -> float:
    return float(np.percentile(xs, q)) if xs else float("nan")


def row(label: str, s: Stats, seconds: float) -> str:
    n = len(s.latencies)
    return (
        f"{label:<12} {n:>6} {n / seconds:>8.2f} {1e3 * pct(s.latencies, 50):>9.0f} "
        f"{1e3 * pct(s.latencies, 95):>9.0f} {1e3 * max(s.latencies, default=float('nan')):>9.0f} "
        f"{s.cached:>7} {1e3 * pct(s.page_loads, 50):>10.0f} {1e3 * pct(s.page_loads, 95):>10.0f}"
        f" {len(s.errors):>6}"
    )


async def bench(args, base: str, proc: subprocess.Popen) -> tuple[Stats, Stats]:
    await wait_ready(proc, base)
    # warm-up (not counted): the first session loads (or, with no numba cache yet, compiles)
    # the simulation kernels
    warm = await phase(base, 1, 2.0, 10_000, argparse.Namespace(**{**vars(args), "timeout": 600}))
    if warm.errors:
        raise SystemExit(f"warm-up failed: {warm.errors[0]}")
    rss0 = rss_mb(proc)
    print(f"server: pid {proc.pid} on {base}, resident memory after warm-up {rss0:.0f} MB")
    one = await phase(base, 1, args.seconds, 0, args)
    print(f"1 client done ({len(one.latencies)} moves); now {args.clients} clients", flush=True)
    rss_peak = [rss_mb(proc)]

    async def sample() -> None:
        while True:
            await asyncio.sleep(1.0)
            rss_peak.append(rss_mb(proc))

    sampler = asyncio.create_task(sample())
    many = await phase(base, args.clients, args.seconds, 1000, args)
    sampler.cancel()
    rss1 = rss_mb(proc)
    print(
        f"server resident memory: {rss0:.0f} MB after warm-up, {rss1:.0f} MB at the end, "
        f"{max(rss_peak):.0f} MB at most during the {args.clients}-client phase"
    )
    return one, many


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="4 clients for 10 s (smoke test)")
    ap.add_argument("--clients", type=int, default=20, help="concurrent clients")
    ap.add_argument("--seconds", type=float, default=60.0, help="duration of each phase")
    ap.add_argument("--think", type=float, default=0.5, help="mean pause between moves (s)")
    ap.add_argument("--timeout", type=float, default=30.0, help="longest wait for a redraw (s)")
    args = ap.parse_args()
    if args.quick:
        args.clients, args.seconds = 4, 10.0
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.NamedTemporaryFile("w+", suffix=".log", delete=False) as log:
        log_path = log.name
        proc = start_server(port, log)
    try:
        one, many = asyncio.run(bench(args, base, proc))
    except KeyboardInterrupt:
        print("interrupted; stopping the server")
        raise SystemExit(130) from None
    finally:
        stop_server(proc)
    server_errors = log_errors(log_path)
    os.unlink(log_path)

    n = args.clients
    print(
        f"\n{n} clients vs 1 on the same server, {args.seconds:.0f} s each, sliders "
        f"{' and '.join(MOVED)}, think time 0-{2 * args.think:.1f} s"
    )
    print(
        f"{'clients':<12} {'moves':>6} {'moves/s':>8} {'p50 ms':>9} {'p95 ms':>9} {'max ms':>9} "
        f"{'cached':>7} {'load p50':>10} {'load p95':>10} {'errors':>6}"
    )
    print(row("1", one, args.seconds))
    print(row(str(n), many, args.seconds))
    for q in (50, 95):
        ratio = pct(many.latencies, q) / pct(one.latencies, q)
        print(f"ratio p{q} latency, {n} clients / 1 client: {ratio:.1f}x")
    print(
        "latency: slider released -> the page's redraw received; load: GET / -> document "
        "pulled over the websocket (the session's creation included); cached: redraws the "
        "status line says came from the simulation cache"
    )
    errors = one.errors + many.errors + [f"server log: {ln}" for ln in server_errors]
    for e in errors[:20]:
        print(f"  error: {e}")
    print(f"errors: {len(errors)} (must be 0)")
    if errors:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
