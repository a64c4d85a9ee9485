"""Check every internal link of the built documentation site (``site/``, from ``mkdocs build``).

Every ``href`` and ``src`` in every HTML page that is not external (``http:``, ``https:``,
``mailto:``, ``data:``, protocol-relative ``//``) must name a file of the site (a path
from ``/`` is read from the site's root), and an anchor
``#id`` must name an element id of that page. External links are not fetched.

    python scripts/check_links.py [SITE]      # exit 1 and one line per broken link
"""

from __future__ import annotations

import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

EXTERNAL = ("http:", "https:", "mailto:", "data:", "javascript:", "tel:")


class _Page(HTMLParser):
    """The links and element ids of one HTML page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value is None:
                continue
            if name in ("href", "src"):
                self.links.append(value)
            elif name in ("id", "name"):
                self.ids.add(value)


def _parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8", errors="replace"))
    return page


def broken_links(site: Path) -> list[str]:
    """One line ``page: link (reason)`` per internal link of ``site`` that does not resolve."""
    site = site.resolve()
    pages: dict[Path, _Page] = {p: _parse(p) for p in sorted(site.rglob("*.html"))}
    problems = []
    for path, page in pages.items():
        for link in page.links:
            if link.startswith(EXTERNAL) or link.startswith("//") or not link.strip():
                continue
            parts = urlsplit(link)
            if not parts.path:
                target = path
            elif parts.path.startswith("/"):  # from the site's root (the 404 page)
                target = (site / unquote(parts.path).lstrip("/")).resolve()
            else:
                target = (path.parent / unquote(parts.path)).resolve()
            if target.is_dir():
                target = target / "index.html"
            where = f"{path.relative_to(site)}: {link}"
            if site not in target.parents and target != site:
                problems.append(f"{where} (outside the site)")
            elif not target.is_file():
                problems.append(f"{where} (no such file)")
            elif parts.fragment and target.suffix == ".html":
                ids = pages[target].ids if target in pages else _parse(target).ids
                if unquote(parts.fragment) not in ids:
                    problems.append(f"{where} (no anchor #{parts.fragment})")
    return problems


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    site = Path(args[0] if args else "site")
    if not (site / "index.html").is_file():
        print(f"check_links: {site}: not a built site (no index.html); run mkdocs build")
        return 2
    problems = broken_links(site)
    for line in problems:
        print(line)
    count = sum(1 for _ in site.rglob("*.html"))
    print(f"check_links: {count} pages, {len(problems)} broken internal links")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
