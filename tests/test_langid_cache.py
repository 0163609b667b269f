"""The py3langid model cache (pipelines/langid_model.py): same scores as py3langid's own
loading, built once, mapped after that, rebuilt when damaged, never a crash."""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from pipelines import langid_model
from pipelines.language import LANGUAGES, _clean

SAMPLES = json.loads((Path(__file__).parent / "pages" / "language_samples.json").read_text(encoding="utf-8"))
TEXTS = [_clean(text) for _, text in SAMPLES["titles"] + SAMPLES["bodies"] + SAMPLES["other"]]
TEXTS += ["", "123 456", "a", "Ceci est un texte en français, pas très long."]
PROJECT_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def reference() -> tuple[object, object]:
    """The identifiers as py3langid builds them from its LZMA file (the pre-cache code)."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    full = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    restricted = LanguageIdentifier(full.nb_ptc, full.nb_pc, full.nb_classes, full.tk_nextmove, full.tk_output,
                                    norm_probs=True, tk_row=full.tk_row)
    restricted.set_languages(list(LANGUAGES))
    return restricted, full


@pytest.fixture(scope="module")
def built_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("cache") / "newswatch"
    langid_model.identifiers(LANGUAGES, root=root)
    return root


def _copy(built: Path, tmp_path: Path) -> tuple[Path, Path]:
    root = tmp_path / "newswatch"
    shutil.copytree(built, root)
    (directory,) = [p for p in root.iterdir() if p.is_dir()]
    return root, directory


def _same_scores(a: object, b: object) -> None:
    for text in TEXTS:
        assert np.array_equal(a._decide(text), b._decide(text)), text  # type: ignore[attr-defined]
        assert a.classify(text) == b.classify(text), text  # type: ignore[attr-defined]


def test_cached_model_scores_bit_for_bit_like_py3langid(built_cache: Path, reference: tuple[object, object]) -> None:
    cached = langid_model.identifiers(LANGUAGES, root=built_cache)
    assert isinstance(cached.restricted.tk_nextmove, memoryview)  # mapped, not decoded
    _same_scores(cached.restricted, reference[0])
    _same_scores(cached.full(), reference[1])


def test_cache_is_keyed_and_written_whole(built_cache: Path) -> None:
    entries = list(built_cache.iterdir())
    dirs = [p for p in entries if p.is_dir()]
    assert len(dirs) == 1 and not [p for p in dirs if p.name.startswith(".")]  # no temporary left over
    manifest = json.loads((dirs[0] / "manifest.json").read_text())
    assert manifest["key"]["languages"] == list(LANGUAGES)
    assert manifest["key"]["py3langid"] in dirs[0].name
    other = langid_model.cache_dir(built_cache, {**manifest["key"], "languages": ["fr", "en"]})
    assert other != dirs[0]


def test_second_load_reads_the_cache_without_decompressing(
    built_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_lzma(*args: object) -> None:
        raise AssertionError("decompressed the LZMA model although the cache is there")

    monkeypatch.setattr(langid_model, "_from_lzma", no_lzma)
    assert langid_model.identifiers(LANGUAGES, root=built_cache).restricted.classify("Bonjour à tous")[0] == "fr"


@pytest.mark.parametrize("damage", ["truncated", "manifest", "missing", "out_of_range", "foreign_key"])
def test_damaged_cache_is_logged_once_and_rebuilt(
    damage: str, built_cache: Path, tmp_path: Path, reference: tuple[object, object],
    caplog: pytest.LogCaptureFixture,
) -> None:
    root, directory = _copy(built_cache, tmp_path)
    if damage == "truncated":
        path = directory / "nextmove.npy"
        path.write_bytes(path.read_bytes()[: 1 << 20])
    elif damage == "manifest":
        (directory / "manifest.json").write_text("{not json")
    elif damage == "missing":
        (directory / "restricted_ptc.npy").unlink()
    elif damage == "out_of_range":  # same size, same header: only the contents are wrong
        out = np.load(directory / "out_feat.npy")
        out[5] = 10**9
        np.save(directory / "out_feat.npy", out)
    else:
        manifest = json.loads((directory / "manifest.json").read_text())
        manifest["key"]["model_size"] += 1
        (directory / "manifest.json").write_text(json.dumps(manifest))
    with caplog.at_level(logging.INFO, logger="pipelines.langid_model"):
        cached = langid_model.identifiers(LANGUAGES, root=root)
    records = [r for r in caplog.records if r.name == "pipelines.langid_model"]
    assert len(records) == 1 and "rebuilding" in records[0].getMessage(), [r.getMessage() for r in records]
    _same_scores(cached.restricted, reference[0])
    assert [p.name for p in root.iterdir() if p.is_dir()] == [directory.name]  # rebuilt in place, no trash left
    caplog.clear()
    langid_model.identifiers(LANGUAGES, root=root)  # and the rebuilt cache is good
    assert not [r for r in caplog.records if r.name == "pipelines.langid_model"]


def test_unwritable_cache_falls_back_to_the_lzma_model(
    tmp_path: Path, reference: tuple[object, object], caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the cache directory would go")
    with caplog.at_level(logging.INFO, logger="pipelines.langid_model"):
        cached = langid_model.identifiers(LANGUAGES, root=blocker / "newswatch")
    records = [r for r in caplog.records if r.name == "pipelines.langid_model"]
    assert len(records) == 1 and "not written" in records[0].getMessage()
    _same_scores(cached.restricted, reference[0])


def test_cache_root_follows_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert langid_model.cache_root() == tmp_path / "newswatch"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/ignored")  # the spec says: ignore relative paths
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert langid_model.cache_root() == tmp_path / "home" / ".cache" / "newswatch"


def _python(code: str, cache_home: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "XDG_CACHE_HOME": str(cache_home)}
    return subprocess.Popen([sys.executable, "-c", code], cwd=PROJECT_ROOT, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def test_processes_starting_together_build_one_cache(tmp_path: Path) -> None:
    code = ("import logging; logging.basicConfig(level=logging.INFO)\n"
            "from pipelines.language import identify; print(identify('Le gouvernement a annoncé hier').language)")
    procs = [_python(code, tmp_path) for _ in range(3)]
    outputs = [p.communicate(timeout=240) for p in procs]
    assert [out.strip() for out, _ in outputs] == ["fr"] * 3, outputs
    built = [err for _, err in outputs if "cached in" in err]
    assert len(built) == 1, outputs  # one builder; the others waited for it and read its files
    assert len([p for p in (tmp_path / "newswatch").iterdir() if p.is_dir()]) == 1


def test_page_worker_warm_up_maps_the_cache(built_cache: Path) -> None:
    """Page workers (forkserver children) load the model at warm-up, from the same cache."""
    code = ("import pipelines.langid_model as m\n"
            "def no_lzma(*a):\n    raise AssertionError('decompressed the model')\n"
            "m._from_lzma = no_lzma\n"
            "from pipelines import language, page_job\n"
            "page_job.warm_up('', None)\n"
            "print(language._model.cache_info().currsize)\n")
    out, err = _python(code, built_cache.parent).communicate(timeout=120)
    assert out.strip() == "1", err
