"""content_hash: the split/join white-space fold gives exactly the hashes the old regex fold gave."""

from __future__ import annotations

from storage import articles


def test_content_hash_folds_white_space_as_before() -> None:
    """Stored hashes must keep matching new ones: the fold is the old regex one, exactly."""
    import hashlib
    import re
    import unicodedata

    def regex_fold(text: str) -> str:
        folded = re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text)).strip().casefold()
        return hashlib.sha256(folded.encode("utf-8")).hexdigest()

    spaces = "".join(chr(c) for c in range(0x3001) if chr(c).isspace())
    for text in ["", "  ", "Le DGSN\u00a0a reçu\n\n son homologue\u2003à Rabat. ", f"a{spaces}b{spaces}",
                 "ﬁn de l’ENQUÊTE\t\x1c\x1d\x1e\x1fالمغرب  ", "x\u200by"]:
        assert articles.content_hash(text) == regex_fold(text), repr(text)
