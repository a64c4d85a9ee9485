"""Self-contained HTML: inline CSS, figures as data URIs, no request leaves the page."""

from __future__ import annotations

import base64
import html
import json

CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;max-width:60rem;
margin:2rem auto;padding:0 1rem;color:#222;line-height:1.5}
h1{font-size:1.6rem}h2{font-size:1.25rem;margin-top:2rem;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:0.8rem 0;font-size:0.9rem}
th,td{border:1px solid #ccc;padding:0.25rem 0.6rem;text-align:right}
th:first-child,td:first-child{text-align:left}th{background:#f3f3f3}
figure{margin:1rem 0}figcaption{font-size:0.85rem;color:#555}
img{max-width:100%}pre{background:#f7f7f7;padding:0.6rem;overflow:auto;font-size:0.8rem}
.caveat{background:#fff8e5;border-left:4px solid #E69F00;padding:0.4rem 0.8rem}
"""


def esc(text) -> str:
    """HTML-escaped text."""
    return html.escape(str(text))


def figure(png: bytes, caption: str) -> str:
    """A figure with its caption, the PNG embedded as a data URI."""
    data = base64.b64encode(png).decode("ascii")
    return (
        f'<figure><img src="data:image/png;base64,{data}" alt="{esc(caption)}">'
        f"<figcaption>{esc(caption)}</figcaption></figure>"
    )


def table(header: list[str], rows: list[list], klass: str = "") -> str:
    """A table; cells are escaped, floats shown with 3 decimals."""

    def cell(v):
        return f"{v:.3f}" if isinstance(v, float) else esc(v)

    head = "".join(f"<th>{esc(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{cell(v)}</td>" for v in r) + "</tr>" for r in rows)
    return f'<table class="{klass}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def page(title: str, sections: list[tuple[str, str]], data: dict | None = None) -> str:
    """A whole page: title, then (heading, html) sections; ``data`` embedded as JSON."""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{esc(title)}</title><style>{CSS}</style></head><body>",
        f"<h1>{esc(title)}</h1>",
    ]
    for heading, body in sections:
        parts.append(f"<h2>{esc(heading)}</h2>{body}" if heading else body)
    if data is not None:
        blob = json.dumps(data).replace("</", "<\\/")
        parts.append(f'<script type="application/json" id="summary">{blob}</script>')
    parts.append("</body></html>")
    return "\n".join(parts)
