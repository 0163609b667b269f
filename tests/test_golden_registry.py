"""Every outlet of config/sources.yaml has a golden page in tests/golden/ or a written waiver
(tests/golden/WAIVERS.yaml, one reason per outlet), as fundus keeps one test page per
publisher: an outlet added to the registry without either fails here.

A golden page stands for an outlet when its URL is on the outlet's host with the real
top-level domain replaced by ``.example`` (``www.hespress.com`` -> ``www.hespress.example``)
and under the outlet's path (an edition's ``/ar/``).
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import unquote, urlsplit

import yaml

from common.outlets import Outlet, load_sources

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden"


def _site(host: str) -> str:
    """The host without 'www.' and without its top-level domain: the part golden URLs keep."""
    host = host.lower().removeprefix("www.")
    return host.rsplit(".", 1)[0] if "." in host else host


def golden_outlets(outlets: list[Outlet], golden: Path = GOLDEN) -> dict[str, list[str]]:
    """Outlet name -> the golden pages that stand for it."""
    found: dict[str, list[str]] = {}
    for spec in sorted(golden.glob("*.json")):
        url = json.loads(spec.read_text(encoding="utf-8"))["input"]["url"]
        parts = urlsplit(url)
        if not (parts.hostname or "").endswith(".example"):
            continue
        site, path = _site(parts.hostname or ""), unquote(parts.path or "/")
        for outlet in outlets:
            if _site(outlet.host) == site and path.startswith(outlet.path_prefix):
                found.setdefault(outlet.name, []).append(spec.stem)
    return found


def waivers(path: Path = GOLDEN / "WAIVERS.yaml") -> dict[str, str]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    assert isinstance(data, list), "WAIVERS.yaml is a list of {outlet, reason}"
    return {str(entry["outlet"]): str(entry.get("reason") or "").strip() for entry in data}


def test_every_outlet_has_a_golden_page_or_a_waiver() -> None:
    outlets = load_sources(ROOT / "config" / "sources.yaml")
    covered, waived = golden_outlets(outlets), waivers()
    missing = [o.name for o in outlets if o.name not in covered and o.name not in waived]
    assert not missing, f"outlets without a golden page or a waiver in tests/golden/WAIVERS.yaml: {missing}"
    assert all(len(reason) >= 20 for reason in waived.values()), "each waiver says why, in a sentence"
    stale = sorted(set(waived) & set(covered))
    assert not stale, f"waived outlets that now have a golden page (drop their waiver): {stale}"
    unknown = sorted(set(waived) - {o.name for o in outlets})
    assert not unknown, f"waivers for outlets not in sources.yaml: {unknown}"


def test_golden_pages_are_matched_to_their_outlet() -> None:
    """The matcher itself: host and edition path decide, not the name."""
    outlets = [
        Outlet(name="Hespress", homepage="https://www.hespress.com/", country="MA", languages=["ar"]),
        Outlet(name="Hespress FR", homepage="https://fr.hespress.com/", country="MA", languages=["fr"]),
        Outlet(name="F24 (ar)", homepage="https://www.france24.com/ar/", country="FR", languages=["ar"]),
    ]
    found = golden_outlets(outlets)
    assert "hespress_ar" in found.get("Hespress", []) and "Hespress FR" not in found and "F24 (ar)" not in found
