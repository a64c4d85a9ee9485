"""Serving the dashboard: loopback by default, every script and style from this machine.

:func:`check_host` decides where to bind: 127.0.0.1 unless a host is given; a non-loopback
address only when the caller says it was given explicitly (``backscratch serve --host``), and
then with a warning; an empty address (every interface, implicitly) never.

:func:`serve` runs the Panel server with inline resources (``pn.config.inline``): Bokeh's
and Panel's JavaScript and CSS are served by the app itself, so the page loads and updates
with no request leaving the machine (the browser tests check every request).

What a client sends is bounded before it is held (:func:`make_server`): a request body is
counted as it streams and the request dropped past :data:`MAX_BODY_BYTES` or after
:data:`BODY_TIMEOUT` seconds; a websocket message past :data:`MAX_MESSAGE_BYTES` closes its
connection; an upload's chunks are counted by the page itself (see
:mod:`backscratch.dashboard.app`). A request whose ``Host`` header is not a loopback name is
answered 403 unless the server was bound to another address with ``--host``, so a web page
elsewhere cannot reach the dashboard through a DNS name rebound to 127.0.0.1.
"""

from __future__ import annotations

import ipaddress
import socket
import sys

from tornado import httputil

from backscratch.core.errors import ScenarioError

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 5006

MAX_BODY_BYTES = 1_000_000
"""Largest HTTP request body the server reads (the page itself sends none)."""

MAX_MESSAGE_BYTES = 1_000_000
"""Largest websocket message a client may send; an upload arrives in chunks well below it."""

BODY_TIMEOUT = 10.0
"""Seconds a client has to send a request's body."""


def _addresses(host: str) -> set:
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError):
        raise ScenarioError.bad("host", "not an address this machine can resolve", host) from None
    return {ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos}


def is_loopback(host: str) -> bool:
    """Whether every address ``host`` resolves to is a loopback address."""
    return all(a.is_loopback for a in _addresses(host))


def check_host(
    host: str | None, explicit: bool, port: int = DEFAULT_PORT
) -> tuple[str, str | None]:
    """The address to bind and a warning (or None).

    ``None`` binds :data:`DEFAULT_HOST`. A loopback name or address (``localhost``,
    ``127.0.0.1``, ``::1``) binds quietly. Any other address is refused unless ``explicit``
    (the user named it with ``--host``), and then comes with a warning. An empty address or
    ``*`` (every interface, by omission) is always refused.
    """
    if host is None:
        return DEFAULT_HOST, None
    h = host.strip()
    if h in ("", "*"):
        raise ScenarioError(
            f"--host '{host}': an empty address binds every interface; name the address "
            "explicitly (e.g. --host 0.0.0.0) if that is what you want"
        )
    if is_loopback(h):
        return h, None
    if not explicit:
        raise ScenarioError(
            f"--host {h}: not a loopback address; the dashboard binds only 127.0.0.1 unless "
            "--host names another address explicitly"
        )
    return h, (
        f"serving on {h}, which is not a loopback address: anyone who can reach this "
        f"machine on port {port} can use the dashboard and run simulations on it (there is "
        "no login)"
    )


def websocket_origins(host: str, port: int) -> list[str]:
    """Origins the server accepts: the bound loopback names, or any origin (``*``) when the
    user chose a non-loopback address."""
    if not is_loopback(host):
        return ["*"]
    names = {host, "127.0.0.1", "localhost"}
    if ":" in host:  # an IPv6 literal
        names.add(f"[{host}]")
    return sorted(f"{n}:{port}" for n in names if ":" not in n or n.startswith("["))


def allowed_hosts(host: str, port: int) -> frozenset[str] | None:
    """``Host`` header values the server answers when bound to ``host``: the loopback names
    (with and without ``:port``), or ``None`` (any) when ``host`` is not a loopback address,
    which only ``--host`` can choose."""
    if not is_loopback(host):
        return None
    names = {host.lower(), "localhost", "127.0.0.1", "[::1]"}
    if ":" in host and not host.startswith("["):  # an IPv6 literal
        names.add(f"[{host.lower()}]")
    return frozenset(names | {f"{n}:{port}" for n in names})


class _HostCheck(httputil.HTTPServerConnectionDelegate):
    """Tornado's connection delegate, refusing requests whose ``Host`` is not allowed."""

    def __init__(self, inner: httputil.HTTPServerConnectionDelegate, allowed: frozenset[str]):
        self.inner, self.allowed = inner, allowed

    def start_request(self, server_conn, request_conn):
        delegate = self.inner.start_request(server_conn, request_conn)
        return _HostCheckedRequest(delegate, request_conn, self.allowed)

    def on_close(self, server_conn) -> None:
        self.inner.on_close(server_conn)


class _HostCheckedRequest(httputil.HTTPMessageDelegate):
    def __init__(self, inner: httputil.HTTPMessageDelegate, conn, allowed: frozenset[str]):
        self.inner, self.conn, self.allowed, self.refused = inner, conn, allowed, False

    def headers_received(self, start_line, headers):
        host = (headers.get("Host") or "").strip().lower()
        if host in self.allowed:
            return self.inner.headers_received(start_line, headers)
        self.refused = True
        body = (
            f"backscratch dashboard: Host '{host[:60]}' is not a loopback name; open the "
            "page as http://127.0.0.1:PORT/ or http://localhost:PORT/\n"
        ).encode()
        self.conn.write_headers(
            httputil.ResponseStartLine("HTTP/1.1", 403, "Forbidden"),
            httputil.HTTPHeaders(
                {
                    "Content-Type": "text/plain; charset=utf-8",
                    "Content-Length": str(len(body)),
                    "Connection": "close",
                }
            ),
            body,
        )
        self.conn.finish()
        return None

    def data_received(self, chunk):
        return None if self.refused else self.inner.data_received(chunk)

    def finish(self) -> None:
        if not self.refused:
            self.inner.finish()

    def on_connection_close(self) -> None:
        if not self.refused:
            self.inner.on_connection_close()


def configure_offline() -> None:
    """Serve Bokeh's and Panel's JavaScript and CSS from this server (no CDN), whatever
    ``BOKEH_RESOURCES`` says in the environment."""
    import panel as pn
    from bokeh.settings import settings

    settings.resources.set_value("server")
    pn.config.inline = True


def make_server(port: int = DEFAULT_PORT, host: str = DEFAULT_HOST):
    """A Panel server for the dashboard on ``host:port``, not yet started."""
    import panel as pn

    from backscratch.dashboard.app import create_app

    configure_offline()
    server = pn.serve(
        {"/": create_app},
        port=port,
        address=host,
        websocket_origin=websocket_origins(host, port),
        show=False,
        start=False,
        title="backscratch dashboard",
        verbose=False,
        websocket_max_message_size=MAX_MESSAGE_BYTES,
        http_server_kwargs={
            "max_body_size": MAX_BODY_BYTES,
            "max_buffer_size": MAX_BODY_BYTES,
            "body_timeout": BODY_TIMEOUT,
        },
    )
    allowed = allowed_hosts(host, server.port)
    if allowed is not None:  # Bokeh's HTTP server (a tornado HTTPServer) routes through this
        server._http.request_callback = _HostCheck(server._http.request_callback, allowed)
    return server


def serve(port: int = DEFAULT_PORT, host: str | None = None, explicit: bool = False) -> int:
    """Check the address, start the server and run until interrupted (Ctrl-C). Returns 0."""
    if not 1 <= port <= 65535:
        raise ScenarioError.bad("port", "not a port number (1-65535)", port)
    address, warning = check_host(host, explicit, port)
    if warning:
        print(f"backscratch: warning: {warning}", file=sys.stderr, flush=True)
    try:
        server = make_server(port, address)
    except OSError as exc:
        raise ScenarioError.bad(
            "port", f"cannot listen on {address} ({exc.strerror})", port
        ) from None
    shown = f"[{address}]" if ":" in address else address
    print(f"backscratch dashboard: http://{shown}:{server.port}/  (Ctrl-C stops it)", flush=True)
    server.start()
    try:
        server.io_loop.start()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0
