"""Extraction quality and speed on shared/fixtures/real-pages: newswatch vs trafilatura.

Columns: token F1 on the 35 full-text pages (macro average), must_contain hit rate,
must_not_contain leak rate (boilerplate kept), pages dropped as NotAnArticle /
EmptyExtraction (counted as empty output), and pages/s of the extraction call alone
(CPU time of one process, best of --repeat runs per page, the language model loaded
beforehand; CPU time rather than wall time because the bench machine is shared).
Metrics come from the fixture's own score.py, imported in place. The last line is what the
"is it an article" classifier (pipelines.page_kind: the structure pass and the checks
around it) costs per page, measured on the same pages.

    .venv/bin/python bench/extract_quality.py [--shared ../shared] [--repeat 3] [--per-page]
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from common.article import ExtractionError  # noqa: E402
from pipelines.extract import extract_article  # noqa: E402
from pipelines.language import identify  # noqa: E402


def load_score(fixtures: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location("real_pages_score", fixtures / "score.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_pages(fixtures: Path) -> list[tuple[dict[str, Any], bytes]]:
    pages = []
    for page in json.loads((fixtures / "manifest.json").read_text(encoding="utf-8"))["pages"]:
        raw = (fixtures / page["file"]).read_bytes()
        if page["file"].endswith(".gz"):
            raw = gzip.decompress(raw)
        pages.append((page, raw))
    return pages


def newswatch(raw: bytes, page: dict[str, Any]) -> str:
    try:
        return extract_article(raw, page["url"]).text
    except ExtractionError:
        return ""


def evaluate(
    score: ModuleType,
    pages: list[tuple[dict[str, Any], bytes]],
    runs: list[tuple[str, Callable[[bytes, dict[str, Any]], str]]],
    repeat: int,
) -> dict[str, dict[str, Any]]:
    """Score every extractor; pages outer, extractors inner, so load changes on a shared
    machine hit all extractors alike and the speed ratio stays meaningful."""
    acc: dict[str, dict[str, Any]] = {
        name: {"f1s": [], "seconds": [], "per_page": [], "counts": [0, 0, 0, 0], "dropped": 0}
        for name, _ in runs
    }
    for page, raw in pages:
        gt = page["ground_truth"]
        for name, run in runs:
            best, output = float("inf"), ""
            for _ in range(repeat):
                t0 = time.process_time()
                output = run(raw, page)
                best = min(best, time.process_time() - t0)
            a = acc[name]
            a["seconds"].append(best)
            a["dropped"] += not output
            row: dict[str, Any] = {"id": page["id"]}
            if gt.get("type") == "full_text" and gt.get("body"):
                row["f1"] = score.prf(score.tokens(output), score.tokens(gt["body"]))[2]
                a["f1s"].append(row["f1"])
            counts = score.snippet_counts(output, gt)
            a["counts"] = [x + y for x, y in zip(a["counts"], counts, strict=True)]
            row["leaks"] = counts[2]
            a["per_page"].append(row)
    results = {}
    for name, a in acc.items():
        tp, fn, fp, tn = a["counts"]
        results[name] = {
            "f1": statistics.mean(a["f1s"]),
            "hit": tp / (tp + fn),
            "leak": fp / (fp + tn),
            "leaks": f"{fp}/{fp + tn}",
            "dropped": a["dropped"],
            "pages_s": len(pages) / sum(a["seconds"]),
            "per_page": a["per_page"],
        }
    return results


def classifier_ms(pages: list[tuple[dict[str, Any], bytes]], repeat: int) -> tuple[float, float]:
    """CPU milliseconds per page of the classifier alone (best of ``repeat``), and its share
    of a whole extraction, on the pages' parsed, noise-stripped trees."""
    from pipelines import noise, page_kind
    from pipelines.dates import jsonld_objects
    from pipelines.decode import decode_html
    from pipelines.extract import parse_html
    from pipelines.metadata import read_meta

    spent = whole = 0.0
    for page, raw in pages:
        tree = parse_html(decode_html(raw)[0])
        if tree is None:
            continue
        meta = read_meta(tree, page["url"], jsonld_objects(tree))
        noise.strip_dom_noise(tree)
        best = float("inf")
        for _ in range(repeat):
            t0 = time.process_time()
            page_kind.markup_reason(tree, meta)
            page_kind.is_video_page(tree, meta)
            page_kind.content_reason("", tree, meta, page_kind.url_reason(page["url"]))
            best = min(best, time.process_time() - t0)
        spent += best
        best = float("inf")
        for _ in range(repeat):
            t0 = time.process_time()
            newswatch(raw, page)
            best = min(best, time.process_time() - t0)
        whole += best
    return 1000 * spent / len(pages), spent / whole


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--per-page", action="store_true")
    args = ap.parse_args()
    fixtures = args.shared / "fixtures" / "real-pages"
    if not (fixtures / "manifest.json").exists():
        raise SystemExit(f"{fixtures} is absent: nothing to measure")
    score = load_score(fixtures)
    pages = load_pages(fixtures)
    identify("warm up the language model")
    import trafilatura

    runs: list[tuple[str, Callable[[bytes, dict[str, Any]], str]]] = [
        ("trafilatura default", lambda raw, page: trafilatura.extract(raw, url=page["url"]) or ""),
        (
            "trafilatura include_comments=False",
            lambda raw, page: trafilatura.extract(raw, url=page["url"], include_comments=False) or "",
        ),
        ("newswatch extract_article", newswatch),
    ]
    print(f"# {len(pages)} pages from {fixtures}, best of {args.repeat} runs per page")
    print(f"{'extractor':36}{'F1':>7}{'hit':>7}{'leak':>14}{'dropped':>9}{'pages/s':>9}")
    results = evaluate(score, pages, runs, args.repeat)
    for name, res in results.items():
        print(
            f"{name:36}{res['f1']:7.3f}{res['hit']:7.3f}{res['leak']:7.3f} ({res['leaks']:>5})"
            f"{res['dropped']:9d}{res['pages_s']:9.1f}"
        )
    base = results["trafilatura include_comments=False"]["pages_s"]
    ours = results["newswatch extract_article"]["pages_s"]
    print(f"newswatch costs {base / ours - 1:+.1%} time over trafilatura include_comments=False")
    ms, share = classifier_ms(pages, args.repeat)
    print(f"classifier (page_kind): {ms:.2f} ms per page, {share:.1%} of extract_article")
    if args.per_page:
        names = list(results)
        for i, row in enumerate(results[names[0]]["per_page"]):
            cells = []
            for name in names:
                r = results[name]["per_page"][i]
                cells.append(f"F1={r['f1']:.3f}" if "f1" in r else f"leaks={r['leaks']}")
            print(f"  {row['id'][:44]:44} " + "  ".join(f"{c:12}" for c in cells))


if __name__ == "__main__":
    main()
