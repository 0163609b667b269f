"""config/sources.yaml: the shipped outlet list loads, and typos fail with the outlet and field named."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from common.languages import KNOWN_LANGUAGES
from common.outlets import SourcesError, load_sources, parse_sources

SHIPPED = Path(__file__).resolve().parent.parent / "config" / "sources.yaml"


@pytest.fixture(scope="module")
def shipped():
    return load_sources(SHIPPED)


def test_shipped_file_loads_with_enough_outlets(shipped):
    assert len(shipped) >= 55
    assert all(o.enabled for o in shipped)


def test_shipped_names_are_unique(shipped):
    names = [o.name.casefold() for o in shipped]
    assert len(names) == len(set(names))


def test_shipped_covers_both_countries_and_all_languages(shipped):
    assert {o.country for o in shipped} >= {"MA", "FR"}
    assert set().union(*(o.languages for o in shipped)) == KNOWN_LANGUAGES
    for lang in KNOWN_LANGUAGES:  # each language from Morocco itself, not only via French editions
        assert any(lang in o.languages and o.country == "MA" for o in shipped), lang


@pytest.mark.parametrize(
    "name",
    ["Hespress FR", "Le360", "Médias24", "TelQuel", "Le Matin", "L'Economiste", "H24info",
     "Maroc Diplomatique", "Bladi.net", "Yabiladi", "Le Desk", "Hespress", "Al Yaoum 24", "Barlamane",
     "Hibapress", "Morocco World News", "Hespress English", "Le Monde", "Le Figaro", "Le Parisien",
     "Libération", "Jeune Afrique", "franceinfo",
     # issue 16
     "Hespress ES", "Le360 (ar)", "Le360 (en)", "Barlamane FR", "Yabiladi EN", "Akhbarona", "Al3omk", "LesEco",
     "MAP Express (ar)", "2M (ar)", "2M (fr)", "SNRTnews", "Chouf TV", "Al Akhbar", "Assabah", "L'Express",
     "Le Point", "20 Minutes", "Ouest-France", "TV5Monde", "Mediapart", "franceinfo (Maghreb)",
     "Intelligence Online", "Africa Intelligence"],
)
def test_expected_outlets_are_listed(shipped, name):
    assert name in {o.name for o in shipped}


@pytest.mark.parametrize("brand", ["France 24", "RFI"])
def test_shared_host_editions_are_separate_outlets_bounded_by_path(shipped, brand):
    editions = {o.name: o for o in shipped if o.name.startswith(brand + " (")}
    assert {o.languages[0] for o in editions.values()} == {"fr", "ar", "en", "es"}
    assert len({o.host for o in editions.values()}) == 1  # one host ...
    prefixes = {o.path_prefix for o in editions.values()}
    assert prefixes == {"/fr/", "/ar/", "/en/", "/es/"}  # ... four disjoint paths
    for o in editions.values():
        assert o.path_prefix == f"/{o.languages[0]}/"
        for url in o.feeds + o.sections:  # a listed feed or section belongs to its own edition
            assert url.startswith(f"https://{o.host}/{o.languages[0]}/"), url


def test_every_shipped_outlet_is_valid(shipped):
    for o in shipped:
        assert o.homepage.startswith("https://"), o.name
        assert o.timezone in {"Africa/Casablanca", "Europe/Paris"}, o.name
        assert o.timezone == ("Africa/Casablanca" if o.country == "MA" else "Europe/Paris"), o.name
        for url in o.feeds + o.sitemaps + o.sections:  # configured inputs stay on the outlet's host
            assert url.split("/")[2] == o.host, (o.name, url)


def test_shipped_allow_patterns_accept_their_own_url_scheme(shipped):
    """The allow patterns given are meant for real article URLs of each outlet: check one each."""
    samples = {
        "Le Monde": "https://www.lemonde.fr/afrique/article/2024/11/28/maroc-france-cooperation_6412345_3212.html",
        "Le Figaro": "https://www.lefigaro.fr/international/le-maroc-et-la-france-signent-20241128",
        "France 24 (fr)": "https://www.france24.com/fr/afrique/20241128-maroc-france-police",
        "RFI (es)": "https://www.rfi.fr/es/africa/20241128-marruecos-francia",
        "Yabiladi": "https://www.yabiladi.com/articles/details/151234/maroc-france-cooperation.html",
        "franceinfo": "https://www.francetvinfo.fr/monde/afrique/maroc/cooperation_6912345.html",
    }
    by_name = {o.name: o for o in shipped}
    for name, url in samples.items():
        outlet = by_name[name]
        assert any(re.search(p, url) for p in outlet.allow), (name, url)
        assert not any(re.search(p, url) for p in outlet.deny), (name, url)
        assert not any(re.search(p, outlet.homepage) for p in outlet.allow), name  # homepage is not an article


GOOD = {"name": "Le Test", "homepage": "https://example.ma/", "country": "MA", "languages": ["fr"]}


@pytest.mark.parametrize(
    ("change", "field", "says"),
    [
        ({"feed": ["https://example.ma/feed"]}, "feed", "unknown field"),
        ({"homepage": "htps://example.ma/"}, "homepage", "not an absolute http(s) URL"),
        ({"homepage": "example.ma"}, "homepage", "not an absolute http(s) URL"),
        ({"feeds": ["/feed"]}, "feeds", "not an absolute http(s) URL"),
        ({"sitemaps": ["ftp://example.ma/sitemap.xml"]}, "sitemaps", "not an absolute http(s) URL"),
        ({"languages": ["fre"]}, "languages", "unknown language 'fre'"),
        ({"languages": []}, "languages", ""),
        ({"allow": ["/article/(\\d+"]}, "allow", "bad regex"),
        ({"deny": ["*tag"]}, "deny", "bad regex"),
        ({"timezone": "Africa/Casablance"}, "timezone", "unknown time zone 'Africa/Casablance'"),
        ({"country": "Maroc"}, "country", ""),
    ],
)
def test_typos_name_the_outlet_and_the_field(change, field, says):
    entry = {**GOOD, **change}
    with pytest.raises(SourcesError) as info:
        parse_sources({"outlets": [{**GOOD, "name": "Fine"}, entry]}, origin="sources.yaml")
    message = str(info.value)
    assert "'Le Test'" in message and f"'{field}'" in message, message
    assert says in message
    assert "Fine" not in message  # only the bad outlet is blamed


def test_duplicate_names_are_an_error():
    with pytest.raises(SourcesError, match=r"outlet 'Le Test': field 'name': duplicate"):
        parse_sources({"outlets": [GOOD, GOOD]})


def test_every_bad_outlet_is_reported_at_once():
    bad = [{**GOOD, "name": "A", "languages": ["xx"]}, {**GOOD, "name": "B", "homepage": "nope"}]
    with pytest.raises(SourcesError) as info:
        parse_sources({"outlets": bad})
    assert "'A'" in str(info.value) and "'B'" in str(info.value)


def test_bad_yaml_names_the_file_and_line(tmp_path):
    path = tmp_path / "sources.yaml"
    path.write_text("outlets:\n  - name: Le Test\n    homepage: [https://example.ma/\n", encoding="utf-8")
    with pytest.raises(SourcesError) as info:
        load_sources(path)
    assert str(path) in str(info.value) and "invalid YAML" in str(info.value)
    assert "line" in str(info.value)


def test_a_typo_in_a_copy_of_the_shipped_file_is_caught(tmp_path):
    """The realistic case: someone edits the real file and misspells one key."""
    data = yaml.safe_load(SHIPPED.read_text(encoding="utf-8"))
    data["outlets"][3]["sitemap"] = data["outlets"][3].pop("sitemaps", ["https://telquel.ma/sitemap.xml"])
    path = tmp_path / "sources.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(SourcesError, match=rf"outlet '{re.escape(data['outlets'][3]['name'])}': field 'sitemap': unknown field"):
        load_sources(path)


@pytest.mark.parametrize("data", [None, [], {"outlets": "Le Monde"}, {"outlet": []}])
def test_wrong_top_level_shape_is_an_error(data):
    with pytest.raises(SourcesError, match="outlets"):
        parse_sources(data)


def _blocks(text: str) -> dict[str, str]:
    """Each outlet's raw YAML text (with its comments), by name."""
    parts = re.split(r"^  - name: ", text, flags=re.M)[1:]
    return {part.splitlines()[0].strip().strip("'\""): part for part in parts}


def test_every_outlet_says_where_its_feed_and_sitemap_urls_come_from(shipped):
    blocks = _blocks(SHIPPED.read_text(encoding="utf-8"))
    assert set(blocks) == {o.name for o in shipped}
    for o in shipped:
        provenance = re.findall(r"# provenance: (confirmed in public configs|discovered)", blocks[o.name])
        assert len(provenance) == 1, o.name
        if o.feeds or o.sitemaps:
            assert provenance == ["confirmed in public configs"], o.name
        else:
            assert provenance == ["discovered"], o.name


def test_issue_16_urls_where_public_sources_agree(shipped):
    by_name = {o.name: o for o in shipped}
    assert "https://fr.le360.ma/arc/outboundfeeds/rss/?outputType=xml" in by_name["Le360"].feeds
    assert by_name["Le360"].sitemaps  # its news sitemap
    assert by_name["TelQuel"].feeds == ["https://telquel.ma/feed"]
    assert by_name["Yabiladi"].feeds == ["https://www.yabiladi.com/rss"]


def test_paywalled_outlets_are_flagged(shipped):
    paywalled = {o.name for o in shipped if o.paywalled}
    assert paywalled == {"Mediapart", "Intelligence Online", "Africa Intelligence"}
    assert parse_sources({"outlets": [GOOD]})[0].paywalled is False


@pytest.mark.parametrize("brand", ["Hespress", "Le360", "Yabiladi"])
def test_editions_on_sub_domains_are_their_own_outlets(shipped, brand):
    editions = [o for o in shipped if o.name.startswith(brand)]
    hosts = [o.host for o in editions]
    assert len(editions) >= 2 and len(set(hosts)) == len(hosts)  # one outlet per sub-domain


def test_editions_on_language_paths_are_their_own_outlets(shipped):
    by_name = {o.name: o for o in shipped}
    assert by_name["Barlamane"].host == by_name["Barlamane FR"].host
    assert (by_name["Barlamane"].path_prefix, by_name["Barlamane FR"].path_prefix) == ("/", "/fr/")
    assert by_name["2M (ar)"].path_prefix == "/ar/" and by_name["2M (fr)"].path_prefix == "/fr/"
    assert by_name["franceinfo (Maghreb)"].path_prefix == "/monde/afrique/"
