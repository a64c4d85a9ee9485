"""The scenarios shipped with the package, read without loading any schema (so that the
command line can list them quickly): their names and one-line descriptions."""

from __future__ import annotations

from importlib import resources


def builtin_names() -> list[str]:
    """Names of the scenarios shipped with the package."""
    folder = resources.files("backscratch") / "scenarios"
    return sorted(p.name.rsplit(".", 1)[0] for p in folder.iterdir() if p.name.endswith(".yaml"))


def builtin_text(name: str) -> str:
    """The YAML text of the built-in scenario ``name``."""
    return (resources.files("backscratch") / "scenarios" / f"{name}.yaml").read_text("utf-8")


def builtin_descriptions() -> dict[str, str]:
    """Each built-in scenario's ``description``, by name (read from its file; the files are
    validated wherever a scenario is loaded, and by the tests)."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the safe loader, in C if built
    out = {}
    for name in builtin_names():
        data = yaml.load(builtin_text(name), Loader=loader) or {}  # a safe loader
        out[name] = str(data.get("description", "")).strip()
    return out
