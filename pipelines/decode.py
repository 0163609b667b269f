"""Bytes -> text for fetched pages, the way a browser would decode them.

Bytes that decode as UTF-8 without error are UTF-8 (legacy single-byte text practically
never is valid UTF-8, while stale ``charset=iso-8859-15`` declarations on UTF-8 pages are
common). Otherwise the order of evidence is w3lib.encoding.html_to_unicode's: a byte-order
mark, then the HTTP ``charset`` hint, then ``<meta charset>`` / ``http-equiv`` / XML
declaration, then detection. Detection tries strict UTF-8 first (most of the web, and cheap), then
charset-normalizer on the bytes, then windows-1252. w3lib maps ISO-8859-1 to windows-1252
as browsers do, so French pages with curly quotes and euro signs come out right; Arabic
pages served as windows-1256 without any declaration are caught by detection.

A declared encoding that is plainly wrong (a page labelled UTF-8 whose bytes are not) is
re-detected instead of filling the text with U+FFFD.
"""

from __future__ import annotations

import codecs

from w3lib.encoding import html_to_unicode, resolve_encoding

# Detection looks at a bounded sample: charset-normalizer is slow on multi-megabyte pages.
DETECT_SAMPLE_BYTES = 256 * 1024
# More replacement characters than this share of the text means the declared encoding lied.
MAX_REPLACEMENT_SHARE = 0.01
# Tie-break order for detection (charset-normalizer names): Western European, then Arabic.
PREFERRED_ENCODINGS = ("utf_8", "cp1252", "cp1256", "iso8859_6", "iso8859_15", "iso8859_1")


def _detect(data: bytes) -> str | None:
    """Guess the encoding of undeclared bytes: UTF-8 if valid, else charset-normalizer."""
    sample = data[:DETECT_SAMPLE_BYTES]
    try:
        sample.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        # a multi-byte character cut by the sample boundary is still valid UTF-8
        if exc.start >= len(sample) - 4 and exc.reason == "unexpected end of data":
            return "utf-8"
    try:
        from charset_normalizer import from_bytes

        matches = list(from_bytes(sample))
    except Exception:  # detection is a best effort; never let it break decoding
        matches = []
    if not matches:
        return "cp1252"
    best = matches[0]
    # Single-byte Latin code pages often tie (cp1250 vs cp1252 vs mac_latin2 on French
    # text; coherence means little on a short page): among the matches as clean as the
    # best, prefer the code pages our outlets actually use.
    tied = {m.encoding for m in matches if m.chaos <= best.chaos + 0.01}
    for preferred in PREFERRED_ENCODINGS:
        if preferred in tied:
            return preferred
    return str(best.encoding)


def _known(encoding: str | None) -> str | None:
    if not encoding:
        return None
    name = resolve_encoding(encoding.strip().strip("\"'"))
    if name is None:
        try:
            name = codecs.lookup(encoding.strip()).name
        except LookupError:
            return None
    return name


def decode_html(data: bytes | str, encoding: str | None = None) -> tuple[str, str]:
    """Return ``(text, encoding_used)``; ``encoding`` is the HTTP charset hint, if any.

    Never raises on bad bytes: undecodable sequences become U+FFFD.
    """
    if isinstance(data, str):
        return data, "unicode"
    hint = _known(encoding)
    if not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) and not (hint or "").startswith(
        "utf-16"
    ):
        # Bytes that are valid UTF-8 are UTF-8, whatever a header or <meta> says: legacy
        # single-byte text is practically never valid UTF-8, while CMS templates often keep
        # an old "iso-8859-15" <meta> after the site moved to UTF-8 (El Mundo does).
        try:
            return data.decode("utf-8").lstrip("\ufeff"), "utf-8"
        except UnicodeDecodeError:
            pass
    header = f"text/html; charset={hint}" if hint else None
    used, text = html_to_unicode(header, data, auto_detect_fun=_detect)
    if text and text.count("\ufffd") > MAX_REPLACEMENT_SHARE * len(text):
        guessed = _detect(data)
        if guessed and _known(guessed) != _known(used):
            retry = data.decode(guessed, errors="replace")
            if retry.count("\ufffd") < text.count("\ufffd"):
                return retry.lstrip("\ufeff"), guessed
    return text, used
