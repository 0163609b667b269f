"""Accuracy and speed of language-identification rules on titles, bodies and "other" texts.

Samples: tests/pages/language_samples.json (hand-written, fr/ar/en/es + other languages)
plus, when present, the titles and bodies of shared/fixtures/real-pages (read in place).
Prints one row per rule so the rule in pipelines/language.py can be chosen from figures.

    .venv/bin/python bench/language_accuracy.py [--shared ../shared]
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipelines import language as L  # noqa: E402


def real_page_samples(shared: Path) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    import lxml.html

    manifest_path = shared / "fixtures" / "real-pages" / "manifest.json"
    if not manifest_path.exists():
        print(f"# {manifest_path} absent: hand-written samples only")
        return [], []
    titles, bodies = [], []
    for page in json.loads(manifest_path.read_text(encoding="utf-8"))["pages"]:
        lang, gt = page.get("language"), page["ground_truth"]
        if lang not in L.LANGUAGES:
            continue
        if gt.get("body"):
            bodies.append((lang, gt["body"]))
        title = gt.get("title")
        if not title:
            raw = (manifest_path.parent / page["file"]).read_bytes()
            if page["file"].endswith(".gz"):
                raw = gzip.decompress(raw)
            found = lxml.html.fromstring(raw).xpath("//title/text()")
            title = found[0].strip() if found else ""
        if title:
            titles.append((lang, title))
    return titles, bodies


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--errors", action="store_true", help="print misclassified samples of the chosen rule")
    args = ap.parse_args()
    samples = json.loads((ROOT / "tests" / "pages" / "language_samples.json").read_text(encoding="utf-8"))
    titles = [tuple(x) for x in samples["titles"]]
    bodies = [tuple(x) for x in samples["bodies"]]
    other = [(L.OTHER, t) for _, t in samples["other"]]
    rt, rb = real_page_samples(args.shared)
    titles += rt
    bodies += rb
    restricted, full = L._model().restricted, L._full()

    def full_only(text: str) -> str:
        label = str(full.classify(L._clean(text))[0])
        return label if label in L.LANGUAGES else L.OTHER

    def restricted_only(text: str) -> str:
        return str(restricted.classify(L._clean(text))[0])

    def restricted_conf(threshold: float) -> Callable[[str], str]:
        def rule(text: str) -> str:
            lang, conf = restricted.classify(L._clean(text))
            return str(lang) if conf >= threshold else L.OTHER

        return rule

    def chosen(text: str) -> str:
        return L.identify(text).language

    rules: list[tuple[str, Callable[[str], str]]] = [
        ("full model, no restriction", full_only),
        ("restricted only", restricted_only),
        ("restricted, other if conf<0.9", restricted_conf(0.9)),
        ("restricted, other if conf<0.99", restricted_conf(0.99)),
        ("chosen rule (language.identify)", chosen),
    ]

    def with_threshold(below: float) -> Callable[[str], str]:
        return lambda text: L.identify(text, other_below=below).language

    def with_min_chars(chars: int) -> Callable[[str], str]:
        return lambda text: L.identify(text, min_chars_for_other=chars).language

    rules += [(f"  same, other_below={below}", with_threshold(below)) for below in (0.9, 0.99, 0.9999)]
    rules += [(f"  same, min_chars_for_other={chars}", with_min_chars(chars)) for chars in (20, 40, 100)]
    sets = [("titles", titles), ("bodies", bodies), ("other", other)]
    print(f"{'rule':34}" + "".join(f"{name} (n={len(items)})".rjust(18) for name, items in sets))
    for name, rule in rules:
        row = f"{name:34}"
        for _, items in sets:
            ok = sum(1 for lang, text in items if rule(text) == lang)
            row += f"{ok / len(items):18.3f}"
        print(row)
    for set_name, items in sets[:2]:
        for lang in L.LANGUAGES:
            sub = [(lg, t) for lg, t in items if lg == lang]
            if sub:
                ok = sum(1 for lg, t in sub if chosen(t) == lg)
                print(f"  chosen rule, {set_name} {lang}: {ok}/{len(sub)}")
    if args.errors:
        for set_name, items in sets:
            for lang, text in items:
                guess = L.identify(text)
                if guess.language != lang:
                    print(f"  MISS {set_name} want={lang} got={guess} {text[:70]!r}")
    for set_name, items in sets[:2]:
        texts = [t for _, t in items] * 20
        t0 = time.perf_counter()
        for text in texts:
            L.identify(text)
        dt = time.perf_counter() - t0
        print(f"speed {set_name}: {len(texts) / dt:,.0f}/s (chosen rule)")


if __name__ == "__main__":
    main()
