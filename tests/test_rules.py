"""Rule files: every shipped topic loads and its own examples behave; broken files fail
with one error naming the file, the rule and the field."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from pipelines.matching.engine import load_topics
from pipelines.matching.rules import RulesError, load_rule_file

RULES_DIR = Path(__file__).resolve().parent.parent / "config" / "rules"
SHIPPED = sorted(RULES_DIR.glob("*.yaml"))

GOOD = """
topic: demo
threshold: 0.5
entities:
  dgsn: {acronyms: [DGSN], aliases: [Sûreté nationale]}
groups:
  sec:
    entities: [dgsn]
    terms: {fr: [police], en: [police]}
require: sec
"""


def test_shipped_rules_are_there() -> None:
    names = {p.stem for p in SHIPPED}
    assert {"security-cooperation", "organised-crime", "irregular-migration"} <= names


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_every_rule_file_loads_and_has_examples_that_behave(path: Path) -> None:
    topic, version = load_rule_file(path)
    assert len(version) == 16
    assert topic.examples.positive and topic.examples.negative, f"{path.name}: give positive and negative examples"
    matcher = load_topics(RULES_DIR)
    for example in topic.examples.positive:
        assert topic.topic in {m.topic for m in matcher.match("", example, None)}, example
    for example in topic.examples.negative:
        assert topic.topic not in {m.topic for m in matcher.match("", example, None)}, example


def test_every_shipped_topic_covers_four_languages() -> None:
    for path in SHIPPED:
        topic, _ = load_rule_file(path)
        langs = {lang for g in topic.groups.values() for lang in g.terms}
        assert langs == {"fr", "ar", "en", "es"}, path.name


def _write(tmp_path: Path, body: str, name: str = "demo.yaml") -> Path:
    (tmp_path / name).write_text(textwrap.dedent(body), encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        (GOOD.replace("threshold: 0.5", "treshold: 0.5"), "treshold", "Extra inputs"),
        (GOOD.replace("threshold: 0.5", "threshold: -1"), "threshold", "0-1 scale"),
        (GOOD.replace("threshold: 0.5", "threshold: 6"), "threshold", "0-1 scale"),
        (GOOD.replace("require: sec", "require: {near: [sec, sec], within: fortnight}"), "require.within", "Input should be"),
        (GOOD.replace("entities: [dgsn]\n", "entities: [dgsn]\n    near: {groups: [nope]}\n"), "groups.sec.near.groups.0", "unknown group"),
        (GOOD.replace("terms: {fr: [police]", "terms: {de: [police]"), "groups.sec.terms.de", "Input should be"),
        (GOOD.replace("require: sec", "require: secu"), "require", "unknown group 'secu'"),
        (GOOD.replace("entities: [dgsn]", "entities: [dgsm]"), "groups.sec.entities.0", "unknown entity 'dgsm'"),
        (GOOD.replace("require: sec", "require: {all: [sec], any: [sec]}"), "require", "exactly one of"),
        (GOOD.replace("require: sec", "require: {near: [sec, sec]}"), "require", "within"),
        (GOOD.replace("require: sec", "require: {all: [sec, {any: [nope]}]}"), "require.all.1.any.0", "unknown group"),
        (GOOD.replace("[police], en", "['--', 'x'], en"), "groups.sec.terms.fr.0", "no word"),
        (GOOD.replace("acronyms: [DGSN], aliases: [Sûreté nationale]", "weight: 2"), "entities.dgsn", "alias or acronym"),
        (GOOD.replace("topic: demo", "topic: Demo Topic"), "topic", "pattern"),
    ],
)
def test_typos_name_file_rule_and_field(tmp_path: Path, body: str, field: str, message: str) -> None:
    _write(tmp_path, body)
    with pytest.raises(RulesError) as info:
        load_topics(tmp_path)
    text = str(info.value)
    assert "demo.yaml" in text and f"field '{field}'" in text and message in text, text
    assert info.value.field == field


def test_yaml_syntax_error_names_line(tmp_path: Path) -> None:
    _write(tmp_path, GOOD + "groups: [\n")
    with pytest.raises(RulesError, match=r"demo.yaml: invalid YAML at line \d+"):
        load_topics(tmp_path)


def test_not_a_mapping_empty_folder_and_duplicates(tmp_path: Path) -> None:
    with pytest.raises(RulesError, match="no \\*.yaml rule files"):
        load_topics(tmp_path)
    with pytest.raises(RulesError, match="does not exist"):
        load_topics(tmp_path / "missing")
    _write(tmp_path, "- just\n- a list\n")
    with pytest.raises(RulesError, match="expected a mapping"):
        load_topics(tmp_path)
    _write(tmp_path, GOOD)
    _write(tmp_path, GOOD, "other.yaml")
    with pytest.raises(RulesError, match="other.yaml: rule 'demo': field 'topic': topic name already used"):
        load_topics(tmp_path)


def test_topic_defaults_to_file_name_and_version_follows_content(tmp_path: Path) -> None:
    _write(tmp_path, GOOD.replace("topic: demo\n", ""), "road-watch.yaml")
    m1 = load_topics(tmp_path)
    assert m1.topic_names == ["road-watch"]
    _write(tmp_path, GOOD.replace("topic: demo\n", "").replace("threshold: 0.5", "threshold: 0.6"), "road-watch.yaml")
    assert load_topics(tmp_path).version_of("road-watch") != m1.version_of("road-watch")


def test_an_engine_change_is_a_new_rules_version() -> None:
    """The version hashes the engine's version with the file: matches stored under another
    meaning of the scores (raw sums before the 0-1 scale) are redone by ``newswatch rematch``."""
    import hashlib

    from pipelines.matching.rules import ENGINE_VERSION, file_version

    assert ENGINE_VERSION and file_version(b"x") != hashlib.sha256(b"x").hexdigest()[:16]
    assert file_version(b"x") == file_version(b"x") != file_version(b"y")
