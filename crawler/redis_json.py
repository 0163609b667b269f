"""JSON serializer of request dicts for scrapy-redis (its SCHEDULER_SERIALIZER): ``loads`` and ``dumps``.

Unlike pickle, reading an entry can only build data, never run code. Bytes (bodies,
headers) travel as ``{"__b64__": "…"}``; anything that is not JSON data is refused when
queued rather than silently changed. ``loads`` accepts only an object with a string
``url``: everything else is an unreadable entry (``SafePriorityQueue`` skips it).
"""

from __future__ import annotations

import base64
import json
from typing import Any

B64 = "__b64__"


def _encode(value: Any) -> Any:
    if isinstance(value, bytes | bytearray):
        return {B64: base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, dict):
        return {(k.decode("latin-1") if isinstance(k, bytes) else str(k)): _encode(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_encode(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise TypeError(f"cannot queue a {type(value).__name__} in a request (JSON only)")


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {B64}:
            return base64.b64decode(value[B64], validate=True)
        return {k: _decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value


def dumps(obj: dict[str, Any]) -> bytes:
    return json.dumps(_encode(obj), ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def loads(data: bytes | str) -> dict[str, Any]:
    obj = _decode(json.loads(data))
    if not isinstance(obj, dict) or not isinstance(obj.get("url"), str):
        raise ValueError("not a queued request (a JSON object with a url)")
    return obj
