"""What the benchmarks stand on: host names and own addresses in the local web, the full
ground-truth text, token F1, and the name mapping the trafilatura-CLI baseline runs under."""

from __future__ import annotations

import http.client
import socket
import subprocess
import sys
from datetime import date
from pathlib import Path

from bench.token_f1 import prf, tokens
from bench.trafilatura_named import parse_hosts
from localweb import LocalWeb, build_outlet_site

ROOT = Path(__file__).resolve().parent.parent
TODAY = date(2026, 11, 23)


def _get(host: str, port: int, path: str, host_header: str | None = None) -> bytes:
    conn = http.client.HTTPConnection(host, port, timeout=10)
    conn.request("GET", path, headers={"Host": host_header} if host_header else {})
    body = conn.getresponse().read()
    conn.close()
    return body


def test_site_on_its_own_address_writes_links_under_the_name_it_was_asked_by() -> None:
    site = build_outlet_site("Named", shape="clean", language="en", n_articles=3, today=TODAY, seed=1)
    with LocalWeb([site], addresses={"Named": "127.0.0.7"}, names={"Named": "Named0.LocalWeb"}) as web:
        base = web.base_url("Named")
        port = int(base.rsplit(":", 1)[1])
        assert base.startswith("http://127.0.0.7:")
        assert web.named_base_url("Named") == f"http://named0.localweb:{port}"
        by_ip = _get("127.0.0.7", port, "/robots.txt")
        by_name = _get("127.0.0.7", port, "/robots.txt", host_header=f"named0.localweb:{port}")
        other = _get("127.0.0.7", port, "/robots.txt", host_header=f"elsewhere.localweb:{port}")
    assert f"Sitemap: {base}/".encode() in by_ip
    assert f"Sitemap: http://named0.localweb:{port}/".encode() in by_name
    assert b"named0" not in by_ip and b"{BASE}" not in by_name
    assert f"Sitemap: {base}/".encode() in other  # an unknown Host gets the address, as before


def test_truth_holds_the_whole_article_text() -> None:
    site = build_outlet_site("Truth", shape="readmore", language="fr", n_articles=4, today=TODAY, seed=2)
    for truth in site.articles:
        assert truth.paragraphs[0] == truth.lede and truth.paragraphs[-1] == truth.last_paragraph
        assert len(tokens(truth.text)) >= truth.words * 0.9
        page = site.resources[truth.path].body.decode()
        middle = truth.paragraphs[len(truth.paragraphs) // 2]
        assert middle.replace("'", "&#x27;").replace('"', "&quot;")[:40] in page or middle[:40] in page


def test_token_f1() -> None:
    assert prf("Le ministre, à Rabat.", "le ministre à rabat") == (1.0, 1.0, 1.0)
    precision, recall, f1 = prf("a b c d", "a b")
    assert (precision, recall) == (0.5, 1.0) and abs(f1 - 2 / 3) < 1e-9
    assert prf("", "a")[2] == 0.0
    assert prf("a a a", "a")[0] == 1 / 3  # repeated tokens count once per occurrence in the reference


def test_names_resolve_to_loopback_only_inside_the_patched_process() -> None:
    hosts = parse_hosts("Bench0.localweb=127.0.0.2, bench1.localweb=127.0.0.3,junk")
    assert hosts == {"bench0.localweb": "127.0.0.2", "bench1.localweb": "127.0.0.3"}
    code = (f"import socket,sys; sys.path.insert(0, {str(ROOT)!r}); from bench.trafilatura_named import install;"
            "install({'bench0.localweb': '127.0.0.2'});"
            "print(socket.getaddrinfo('BENCH0.localweb', 80, socket.AF_INET)[0][4][0])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "127.0.0.2"
    try:  # this process was not patched
        resolved = socket.getaddrinfo("bench0.localweb", 80)
    except socket.gaierror:
        resolved = []
    assert all(r[4][0] != "127.0.0.2" for r in resolved)


def test_tree_sampler_sees_a_child_processes_memory_and_cpu() -> None:
    """The benches' one sampler: peak RSS and CPU of the whole tree (a child of the child too)."""
    from bench.crawl_bench import tree_sampler

    child = ("import subprocess, sys; subprocess.run([sys.executable, '-c', "
             "'import time; b = bytearray(64 << 20); b[::4096] = b\"x\" * len(b[::4096]); time.sleep(1.0)'])")
    samples: list[int] = []
    process = subprocess.Popen([sys.executable, "-c", child])
    with tree_sampler(process.pid, 0.05, samples.append) as sampler:
        process.wait()
    assert sampler.peak >= 64 * 1024 and max(samples) == sampler.peak
    assert process.pid in sampler.cpu and len(sampler.cpu) >= 2
