"""``newswatch extract FILE_OR_URL``: JSON on stdout, outlet options from sources.yaml, exit
code 2 with a one-line reason for pages that are not articles."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner
from page_layouts import page_bytes

from newswatch.cli import cli

PAGES = Path(__file__).parent / "pages"
SEED = PAGES / "seeds" / "000_clean_article.html"

SOURCES = """
outlets:
  - name: Journal du Maroc
    homepage: https://journal-du-maroc.example/
    country: MA
    languages: [fr]
    noise_selectors: ['.entry-content p:nth-of-type(3)']
"""


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["extract", *args])
    return result.exit_code, result.stdout, result.stderr


def test_file_to_json() -> None:
    code, out, err = run(str(SEED), "--url", "https://journal-du-maroc.example/societe/jo-2024.html")
    assert code == 0, err
    data = json.loads(out)
    assert set(data) == {"url", "title", "author", "published", "site_name", "language", "text"}
    assert data["title"] == "JO 2024 : des policiers marocains chevronnés envoyés à Paris"
    assert data["language"] == "fr"
    assert data["published"] == "2024-07-20T11:05:00+01:00"
    assert data["author"] == "Karim Benali"
    assert data["text"].startswith("Afin de garantir un niveau de sécurité optimal")


def test_all_fields() -> None:
    code, out, _ = run(str(SEED), "--url", "https://journal-du-maroc.example/a.html", "--all")
    assert code == 0
    data = json.loads(out)
    assert data["extra"]["declared_canonical"].startswith("https://journal-du-maroc.example/")
    assert 0 < data["language_confidence"] <= 1


def test_outlet_options_from_sources(tmp_path: Path) -> None:
    sources = tmp_path / "sources.yaml"
    sources.write_text(SOURCES, encoding="utf-8")
    page = tmp_path / "naive.html"
    page.write_text(
        SEED.read_text(encoding="utf-8").replace("2024-07-20T11:05:00+01:00", "2024-07-20T11:05:00"),
        encoding="utf-8",
    )
    code, out, err = run(
        str(page),
        "--url",
        "https://journal-du-maroc.example/a.html",
        "--outlet",
        "journal du maroc",
        "--sources",
        str(sources),
    )
    assert code == 0, err
    data = json.loads(out)
    assert "Leur mission consiste" not in data["text"]  # the outlet's selector removed the 3rd paragraph
    assert "Le Royaume du Maroc est renommé" in data["text"]
    assert data["published"] == "2024-07-20T11:05:00+01:00"  # naive, read in Africa/Casablanca (MA default)


def test_unknown_outlet_is_a_clear_error(tmp_path: Path) -> None:
    sources = tmp_path / "sources.yaml"
    sources.write_text(SOURCES, encoding="utf-8")
    code, _, err = run(str(SEED), "--outlet", "Nope", "--sources", str(sources))
    assert code == 2
    assert "unknown outlet(s) Nope" in err and "Journal du Maroc" in err


@pytest.mark.parametrize(
    ("page", "url", "message"),
    [
        (
            "kinds/category_listing.html",
            "https://x.example/securite/",
            "not an article: JSON-LD says CollectionPage",
        ),
        ("kinds/video_page.html", "https://x.example/video/1.html", "empty extraction: video page"),
        ("kinds/tag_page.html", "https://x.example/tag/maroc/", "not an article: tag listing"),
    ],
)
def test_not_an_article_exits_2(page: str, url: str, message: str, tmp_path: Path) -> None:
    saved = tmp_path / Path(page).name  # the page as fetched: built from its site's layout
    saved.write_bytes(page_bytes(PAGES / page))
    code, out, err = run(str(saved), "--url", url)
    assert code == 2
    assert out == ""
    assert message in err
    assert len(err.strip().splitlines()) == 1


def test_missing_file() -> None:
    code, _, err = run("/nonexistent/page.html")
    assert code == 2
    assert "cannot read /nonexistent/page.html" in err


ARABIC = (
    "<html lang='ar'><head><title>حموشي يستقبل نظيره الفرنسي</title></head><body><h1>حموشي يستقبل نظيره الفرنسي</h1>"
    "<p>استقبل المدير العام للأمن الوطني ومراقبة التراب الوطني عبد اللطيف حموشي، اليوم الثلاثاء بالرباط، المدير العام "
    "للشرطة الوطنية الفرنسية، وذلك في إطار تعزيز التعاون الأمني بين البلدين في مجال مكافحة الإرهاب والجريمة المنظمة.</p>"
    "<p>وتناولت المباحثات سبل تطوير آليات التنسيق العملياتي وتبادل المعلومات بين المصالح الأمنية في البلدين.</p>"
    "</body></html>"
)


@pytest.fixture
def local_site() -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            if self.path == "/ar/article-1.html":
                body = ARABIC.encode("cp1256")
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=windows-1256")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            else:
                self.send_error(404)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_url_is_fetched_with_its_charset(local_site: str) -> None:
    code, out, err = run(f"{local_site}/ar/article-1.html")
    assert code == 0, err
    data = json.loads(out)
    assert data["language"] == "ar"
    assert data["title"] == "حموشي يستقبل نظيره الفرنسي"
    assert data["text"].startswith("استقبل المدير العام للأمن الوطني")
    assert data["url"] == f"{local_site}/ar/article-1.html"


def test_url_fetch_error(local_site: str) -> None:
    code, _, err = run(f"{local_site}/missing.html")
    assert code == 3
    assert "cannot fetch" in err and "Not Found" in err


def test_gzipped_page_is_read_like_the_plain_one(tmp_path: Path) -> None:
    import gzip

    packed = tmp_path / "page.html.gz"
    packed.write_bytes(gzip.compress(SEED.read_bytes()))
    plain_code, plain, _ = run(str(SEED), "--url", "https://x.example/a/1.html", "--line")
    code, out, err = run(str(packed), "--url", "https://x.example/a/1.html", "--line")
    assert (code, plain_code) == (0, 0), err
    assert json.loads(out) == json.loads(plain)


@pytest.mark.parametrize(("content", "what"), [
    (b"%PDF-1.7\n%\xe2\xe3\n1 0 obj", "is a PDF, not an HTML page"),
    (b"\x89PNG\r\n\x1a\n\x00\x00", "is a PNG image, not an HTML page"),
    (b"id,title\n1,Rabat\n2,Paris\n", "does not look like HTML"),
    (b"\x1f\x8b\x08\x00garbage", "a damaged gzip file"),
])
def test_a_file_that_is_not_a_page_is_named(tmp_path: Path, content: bytes, what: str) -> None:
    path = tmp_path / "download.bin"
    path.write_bytes(content)
    code, out, err = run(str(path))
    assert code == 2 and out == ""
    assert err.startswith("Error: ") and what in err and len(err.strip().splitlines()) == 1
