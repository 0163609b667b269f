"""py3langid's model, decompressed once into the user's cache and memory-mapped after that.

py3langid ships its model as an LZMA-compressed ``.npz`` (4.6 MB → 68 MB); every process
that identifies a language decompresses it again, ~0.45 s of CPU — most of the start of
``newswatch extract FILE`` and of each page worker. Here the arrays are written once, as
plain ``.npy`` files, to ``$XDG_CACHE_HOME/newswatch`` (default ``~/.cache/newswatch``),
and later processes map them (``np.load(mmap_mode="r")``): opening takes milliseconds,
only the DFA rows and table rows that a text touches are read, and every worker of the
page pool shares the same pages of the OS page cache instead of holding its own 70 MB.

The cache directory is keyed by py3langid's version, the model file (size, hash of its
ends) and the language subset, holds the restricted table too (``set_languages`` would otherwise read
the whole 28 MB full table to slice four columns), and is written to a temporary
directory renamed into place, so a reader sees a whole cache or none. A cache that fails
its checks (a missing or truncated file, shapes that disagree with the manifest) is
logged once and rebuilt; a cache that cannot be written (read-only home, full disk) is
logged once and the model is used from the LZMA file as before. The identifiers built
either way are the same objects with the same arrays, so results are identical
(tests/test_langid_cache.py compares them).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

FORMAT = 1  # bump when the files below change
_ARRAYS = ("ptc", "pc", "classes", "nextmove", "nextmove_row", "out_feat", "restricted_ptc", "restricted_pc",
           "restricted_classes")


@dataclass(frozen=True)
class Identifiers:
    """A restricted identifier (the languages asked for) and a factory for the full one."""

    restricted: Any
    arrays: dict[str, Any]

    def full(self) -> Any:
        """The unrestricted identifier over the same arrays (built on demand: it is rarely needed)."""
        from py3langid.langid import LanguageIdentifier

        a = self.arrays
        return LanguageIdentifier(a["ptc"], a["pc"], list(a["classes"]), a["nextmove"], a["out_feat"],
                                  norm_probs=True, tk_row=a["nextmove_row"])


def cache_root() -> Path:
    """``$XDG_CACHE_HOME/newswatch``, or ``~/.cache/newswatch`` (the XDG base-directory rule)."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    root = Path(base) if base and os.path.isabs(base) else Path.home() / ".cache"
    return root / "newswatch"


def _model_file() -> Path:
    from py3langid.langid import MODEL_DIR, MODEL_FILE

    return Path(MODEL_DIR) / MODEL_FILE


def cache_key(model_file: Path, langs: Sequence[str]) -> dict[str, Any]:
    """What the cached arrays were made from: a different value means a different directory.

    The model file is identified by its size and a hash of its first and last 64 KB (cheap,
    and the same in every virtualenv holding this py3langid, so they share one cache)."""
    import py3langid

    digest = hashlib.sha1()
    with open(model_file, "rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        digest.update(handle.read(65536))
        handle.seek(max(0, size - 65536))
        digest.update(handle.read(65536))
    return {"format": FORMAT, "py3langid": getattr(py3langid, "__version__", "?"), "model_size": size,
            "model_sha1_ends": digest.hexdigest(), "languages": list(langs)}


def cache_dir(root: Path, key: dict[str, Any]) -> Path:
    digest = hashlib.sha1(json.dumps(key, sort_keys=True).encode()).hexdigest()[:16]
    return root / f"langid-{key['py3langid']}-{'-'.join(key['languages'])}-{digest}"


def _from_lzma(model_file: Path, langs: Sequence[str]) -> dict[str, Any]:
    """The arrays, decoded by py3langid itself (the slow path the cache replaces)."""
    import numpy as np
    from py3langid.langid import LanguageIdentifier

    full = LanguageIdentifier.from_model_file(model_file, norm_probs=True)
    restricted = LanguageIdentifier(full.nb_ptc, full.nb_pc, full.nb_classes, full.tk_nextmove, full.tk_output,
                                    norm_probs=True, tk_row=full.tk_row)
    restricted.set_languages(list(langs))
    return {
        "ptc": full.nb_ptc,
        "pc": full.nb_pc,
        "classes": np.array(full.nb_classes),
        "nextmove": np.frombuffer(full.tk_nextmove, dtype=full.tk_nextmove.typecode),
        "nextmove_row": np.frombuffer(full.tk_row, dtype=full.tk_row.typecode),
        "out_feat": np.array(full.tk_output, dtype=np.int32),
        "restricted_ptc": restricted.nb_ptc,
        "restricted_pc": restricted.nb_pc,
        "restricted_classes": np.array(restricted.nb_classes),
    }


def _write(directory: Path, key: dict[str, Any], arrays: dict[str, Any]) -> None:
    """Write the cache into a temporary sibling and rename it into place (atomic for readers)."""
    import numpy as np

    directory.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{directory.name}.", dir=directory.parent))
    try:
        manifest: dict[str, Any] = {"key": key, "arrays": {}}
        for name in _ARRAYS:
            array = np.ascontiguousarray(arrays[name])
            np.save(tmp / f"{name}.npy", array, allow_pickle=False)
            manifest["arrays"][name] = {"shape": list(array.shape), "dtype": array.dtype.str,
                                        "bytes": (tmp / f"{name}.npy").stat().st_size}
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")
        try:
            os.rename(tmp, directory)
        except OSError:
            if not (directory / "manifest.json").is_file():  # not another process's finished cache
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


class CacheError(Exception):
    """The cache directory is not a whole, consistent cache for this key."""


def _read(directory: Path, key: dict[str, Any]) -> dict[str, Any]:
    """Map the cached arrays, checking each file against the manifest; CacheError if anything is off."""
    import numpy as np

    try:
        manifest = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CacheError(f"manifest unreadable ({exc})") from exc
    if not isinstance(manifest, dict) or manifest.get("key") != key:
        raise CacheError("manifest is for another model")
    arrays: dict[str, Any] = {}
    for name in _ARRAYS:
        path = directory / f"{name}.npy"
        expected = manifest.get("arrays", {}).get(name) or {}
        try:
            if path.stat().st_size != expected.get("bytes"):
                raise CacheError(f"{path.name}: size differs from the manifest")
            array = np.load(path, mmap_mode="r", allow_pickle=False)
        except (OSError, ValueError, EOFError) as exc:
            raise CacheError(f"{path.name}: {exc}") from exc
        if list(array.shape) != expected.get("shape") or array.dtype.str != expected.get("dtype"):
            raise CacheError(f"{path.name}: shape or dtype differs from the manifest")
        arrays[name] = array
    _check(arrays)
    return arrays


def _check(a: dict[str, Any]) -> None:
    """Cross-checks that keep a damaged table from raising IndexError in the middle of a crawl."""
    features, classes = a["ptc"].shape
    n_states = len(a["nextmove_row"])
    if (a["nextmove"].ndim != 1 or len(a["nextmove"]) % 256 or len(a["out_feat"]) != n_states
            or len(a["pc"]) != classes or len(a["classes"]) != classes
            or a["restricted_ptc"].shape != (features, len(a["restricted_classes"]))
            or len(a["restricted_pc"]) != len(a["restricted_classes"])):
        raise CacheError("array shapes disagree")
    if n_states and (int(a["out_feat"].max()) >= features
                     or (int(a["nextmove_row"].max()) + 1) * 256 > len(a["nextmove"])):
        raise CacheError("DFA indices out of range")


def _as_identifier_arrays(arrays: dict[str, Any]) -> dict[str, Any]:
    """What py3langid's constructor takes: NumPy tables, and Python sequences for the DFA walk.

    The transition table stays a zero-copy ``memoryview`` of the mapping (indexing it is as
    fast as the ``array.array`` py3langid builds); the 100k-entry output list is copied.
    """
    import numpy as np

    return {
        "ptc": np.asarray(arrays["ptc"]),
        "pc": np.array(arrays["pc"]),
        "classes": [str(c) for c in arrays["classes"].tolist()],
        "nextmove": memoryview(np.asarray(arrays["nextmove"])),
        "nextmove_row": memoryview(np.asarray(arrays["nextmove_row"])),
        "out_feat": np.asarray(arrays["out_feat"]).tolist(),
        "restricted_ptc": np.asarray(arrays["restricted_ptc"]),
        "restricted_pc": np.array(arrays["restricted_pc"]),
        "restricted_classes": [str(c) for c in arrays["restricted_classes"].tolist()],
    }


@contextlib.contextmanager
def _build_lock(directory: Path) -> Iterator[None]:
    """One builder at a time per cache (page workers start together); others wait, then read."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        yield
        return
    directory.parent.mkdir(parents=True, exist_ok=True)
    with open(directory.parent / f".{directory.name}.lock", "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _discard(directory: Path) -> None:
    """Move a bad cache out of the way first (rename is atomic), then delete it."""
    if not directory.exists():
        return
    trash = Path(tempfile.mkdtemp(prefix=f".{directory.name}.bad.", dir=directory.parent))
    os.replace(directory, trash / "cache")
    shutil.rmtree(trash, ignore_errors=True)


def load_arrays(langs: Sequence[str], root: Path | None = None, model_file: Path | None = None) -> dict[str, Any]:
    """The model's arrays for ``langs``: from the cache, else decoded and cached. Never raises
    because of the cache: the worst case is the uncached LZMA load, with one log line."""
    model_file = model_file or _model_file()
    key = cache_key(model_file, langs)
    try:
        directory = cache_dir(root or cache_root(), key)
    except (RuntimeError, OSError) as exc:  # no home directory
        logger.warning("language model cache unavailable (%s); decompressing py3langid's model", exc)
        return _as_identifier_arrays(_from_lzma(model_file, langs))
    damaged = False
    if directory.is_dir():
        try:
            return _as_identifier_arrays(_read(directory, key))
        except CacheError as exc:
            logger.warning("language model cache %s is damaged (%s); rebuilding it", directory, exc)
            damaged = True
    try:
        with _build_lock(directory):
            if directory.is_dir():
                try:  # another process may have built it while this one waited for the lock
                    return _as_identifier_arrays(_read(directory, key))
                except CacheError:
                    _discard(directory)
            arrays = _from_lzma(model_file, langs)
            _write(directory, key, arrays)
            if not damaged:
                logger.info("language model cached in %s (later starts map it instead of decompressing)",
                            directory)
            return _as_identifier_arrays(_read(directory, key))
    except (OSError, CacheError) as exc:
        logger.warning("language model cache %s not written (%s); decompressing py3langid's model "
                       "(set XDG_CACHE_HOME to a writable folder to keep it)", directory, exc)
        return _as_identifier_arrays(_from_lzma(model_file, langs))


def identifiers(langs: Sequence[str], root: Path | None = None, model_file: Path | None = None) -> Identifiers:
    """py3langid identifiers restricted to ``langs`` (normalised probabilities), from the cache."""
    from py3langid.langid import LanguageIdentifier

    a = load_arrays(langs, root, model_file)
    restricted = LanguageIdentifier(a["restricted_ptc"], a["restricted_pc"], a["restricted_classes"],
                                    a["nextmove"], a["out_feat"], norm_probs=True, tk_row=a["nextmove_row"])
    return Identifiers(restricted, a)
