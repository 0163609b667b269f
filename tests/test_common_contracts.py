"""The one-of-each helpers on the floor: one safe-URL rule, one language set, one CSV writer."""

import csv
import io
from datetime import UTC, datetime

import pytest

from alerts.render import slack_url
from common.csv_export import write_records
from common.languages import LANGUAGES, check_languages, is_rtl
from common.urls import safe_url
from dashboard.render import text_dir


@pytest.mark.parametrize(
    "url", ["https://x.ma/a b", "https://x.ma/a\nb", "https://x.ma/\x00", "javascript:alert(1)", "//x.ma/a", "", 3]
)
def test_one_safe_url_rule_for_dashboard_and_alerts(url: object) -> None:
    assert safe_url(url) is None and slack_url(url if isinstance(url, str) else None) == ""


def test_safe_url_keeps_a_good_link() -> None:
    assert safe_url("  HTTPS://x.ma/a?b=1  ") == "HTTPS://x.ma/a?b=1"


def test_language_set_and_direction() -> None:
    assert set(LANGUAGES) == {"fr", "ar", "en", "es"} and check_languages(["ar", "fr"]) == ["ar", "fr"]
    with pytest.raises(ValueError, match="unknown language 'de'"):
        check_languages(["fr", "de"])
    assert is_rtl("ar-MA") and not is_rtl("fr") and not is_rtl(None) and text_dir("AR") == "rtl"


def test_csv_writer_guards_text_not_numbers() -> None:
    out = io.StringIO()
    count = write_records(out, ["a", "b", "c"], [{"a": "=1+1", "b": -2, "c": datetime(2024, 1, 2, tzinfo=UTC)},
                                                  {"a": "+33 6", "x": "ignored"}])
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert count == 2 and rows == [["a", "b", "c"], ["'=1+1", "-2", "2024-01-02T00:00:00+00:00"], ["'+33 6", "", ""]]


def test_one_binary_sniffer_for_bytes_and_text() -> None:
    from common.sniff import looks_binary

    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4
    arabic_cp1256 = "<html><body><p>الأمن الوطني</p></body></html>".encode("cp1256") * 40
    assert looks_binary(png) and looks_binary(png.decode("utf-8", "replace"))
    assert not looks_binary(arabic_cp1256) and not looks_binary(b"") and not looks_binary("<p>\tok\r\n</p>")
    assert looks_binary("\ufffd" * 10 + "x" * 100) and not looks_binary("\ufffd" * 2 + "x" * 100)


@pytest.mark.parametrize("path", ["/profil/jean-dupont", "/section/politique", "/mentions-legales", "/newsletter"])
def test_link_filter_and_page_classifier_share_one_word_list(path: str) -> None:
    from common.outlets import Outlet
    from crawler.urls import looks_like_article
    from pipelines.page_kind import url_reason

    outlet = Outlet(name="X", homepage="https://x.ma/", country="MA", languages=["fr"])
    assert not looks_like_article(f"https://x.ma{path}", outlet) and url_reason(f"https://x.ma{path}")
    assert looks_like_article("https://x.ma/politique/hammouchi-a-paris-pour-la-cooperation-12345.html", outlet)


def test_drops_name_their_run_figure() -> None:
    from pipelines.extract_stage import EmptyArticle, NotAnArticlePage
    from pipelines.store_stage import DuplicateArticle

    assert [e.figure for e in (NotAnArticlePage, EmptyArticle, DuplicateArticle)] == ["not_article", "empty", "duplicates"]
