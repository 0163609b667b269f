"""Token F1 of extracted text against ground truth, as ../shared/fixtures/real-pages/score.py
computes it (NFKC, lower case, word tokens, multiset overlap), so figures are comparable."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter

_TOKEN = re.compile(r"\w+", re.UNICODE)
_WS = re.compile(r"\s+")


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(_WS.sub(" ", unicodedata.normalize("NFKC", text or "")).lower())


def prf(predicted: str, reference: str) -> tuple[float, float, float]:
    """Precision, recall and F1 of the predicted text's tokens against the reference's."""
    pred, ref = tokens(predicted), tokens(reference)
    overlap = sum((Counter(pred) & Counter(ref)).values())
    precision = overlap / len(pred) if pred else 0.0
    recall = overlap / len(ref) if ref else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1
