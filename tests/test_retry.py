"""Retry-After parsing and backoff delays of the retry middleware."""

from datetime import UTC, datetime

from crawler.middlewares import backoff_delay, retry_after_seconds


def test_retry_after_forms() -> None:
    now = datetime(2024, 6, 26, 10, 0, 0, tzinfo=UTC)
    assert retry_after_seconds(b"7") == 7.0
    assert retry_after_seconds("Wed, 26 Jun 2024 10:00:30 GMT", now) == 30.0
    assert retry_after_seconds("Wed, 26 Jun 2024 09:00:00 GMT", now) == 0.0
    assert retry_after_seconds("soon") is None and retry_after_seconds(None) is None


def test_backoff_grows_and_is_capped() -> None:
    delays = [backoff_delay(n, base=1.0, cap=10.0) for n in (1, 2, 3, 4, 5, 6)]
    assert 0.75 <= delays[0] <= 1.25 and 1.5 <= delays[1] <= 2.5 and 3 <= delays[2] <= 5
    assert all(d <= 12.5 for d in delays)
    assert backoff_delay(1, base=1.0, cap=10.0, retry_after=4.0) == 4.0
    assert backoff_delay(1, base=1.0, cap=10.0, retry_after=400.0) == 10.0
