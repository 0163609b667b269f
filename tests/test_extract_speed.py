"""The shortcuts of the extraction passes (issue 15) give what the long way gives: each
fast test is checked against the slow one it stands in for."""

from __future__ import annotations

import random
import re

import lxml.html
import pytest

from pipelines import dates
from pipelines.extract import _INVALID_XML, _has_invalid_xml, parse_html

_ALPHABET = "ab é\n\t\r" + "".join(map(chr, range(0x20))) + "\ufffe\uffff\ufffd\u0640\u064b٠١٢٩۰۲۹😀نشر"


def test_invalid_xml_test_on_bytes_is_the_regex_on_text() -> None:
    rng = random.Random(15)
    texts = ["", "plain", "<p>é</p>", "\ufffe", "x\uffffy", "\x0b", "\t\n\r", "\ud800 lone surrogate"]
    texts += ["".join(rng.choice(_ALPHABET) for _ in range(rng.randint(1, 12))) for _ in range(3000)]
    for text in texts:
        assert _has_invalid_xml(text.encode("utf-8", "surrogatepass")) == bool(_INVALID_XML.search(text)), (
            text
        )


def test_parse_drops_invalid_characters_and_a_faulty_doctype() -> None:
    tree = parse_html("<!DOCTYPE html/><html><body><p>a\x01b\uffffc</p></body></html>")
    assert tree is not None and tree.findtext(".//p") == "abc"


_DATED = [
    "Publié le 28 novembre 2024 à 15h40",
    "نشر في ٢٤ يونيو ٢٠٢٥",
    "نشر في 2\u0640\u064b025-06-24 10:00",
    "١\u0651٩٩٩/١٢/٣١",
    "November 28, 2024 at 3:40 pm",
    "16 - 03 - 2024",
    "12 de marzo de 2024",
    "le 3 mars 1998",
    "28.11.2024",
]


@pytest.mark.parametrize("text", _DATED + ["Rabat, 3 mars", "page 1 9 20", "no date", "٢ ٠", "12:30"])
def test_year_hint_drops_no_date(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    fast = list(dates.iter_text_dates(text))
    monkeypatch.setattr(dates, "_YEAR_HINT", re.compile(""))  # every text through the patterns
    assert fast == list(dates.iter_text_dates(text))
    if text in _DATED:
        assert fast, text


def test_element_classes_are_lxml_html_ones() -> None:
    html = (
        "<html><body><form><input name=a><select><option>x</option></select><textarea>t</textarea>"
        "<label>l</label></form><p>p <b>b</b></p></body></html>"
    )
    ours = [type(el).__name__ for el in parse_html(html).iter()]
    theirs = [type(el).__name__ for el in lxml.html.fromstring(html).iter()]
    assert ours == theirs and "FormElement" in ours and "InputElement" in ours
