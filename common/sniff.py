"""The one binary sniffer: is this a web page at all, whatever its Content-Type says?

Used twice on purpose: by the spider on the raw body (so an image or a PDF labelled
``text/html`` is recorded as a ``binary`` crawl error and never queued for extraction) and
by extraction on the decoded text (stored raw pages re-extracted later never went through
the spider). Both ask the same question with the same rule.
"""

from __future__ import annotations

import re

SNIFF_CHARS = 4096  # only the start is looked at: binary formats show it at once
MAX_BINARY_SHARE = 0.05  # share of control (or undecodable) characters above which it is not text
# C0 controls except tab, newline, vertical tab, form feed and CR, and U+FFFD (what a decoder
# leaves for bytes it could not read)
_CONTROL = re.compile("[\x00-\x08\x0e-\x1f\ufffd]")


def looks_binary(head: bytes | str) -> bool:
    """A NUL, or more than ``MAX_BINARY_SHARE`` control characters, in the first 4 KB.

    Bytes are read one character per byte (latin-1), so a page in a legacy encoding
    (windows-1256, iso-8859-1) is not mistaken for binary for failing to decode as UTF-8."""
    text = head[:SNIFF_CHARS].decode("latin-1") if isinstance(head, bytes) else head[:SNIFF_CHARS]
    if not text:
        return False
    if "\x00" in text:
        return True
    return len(_CONTROL.findall(text)) > MAX_BINARY_SHARE * len(text)
