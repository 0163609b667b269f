"""The delivery ledger: every message is a ``Delivery`` row, every story it carries a ``DeliveredStory``.

Life of a delivery (see docs/alerts.md, "Never lost, never twice"):

1. ``reserve`` — one transaction inserts the pending delivery (with the rendered message as
   its payload) and one ``DeliveredStory`` per story. The unique key (subscription, story)
   makes a story impossible to reserve twice, even by two runs at once.
2. ``claim`` — an atomic compare-and-set (pending and due → attempts+1, busy for
   ``claim_seconds``) so only one process sends a given delivery at a time.
3. send, then ``mark_sent`` — or ``mark_failed``: back to pending with exponential backoff,
   ``failed`` once ``max_attempts`` is reached (``requeue`` puts it back).

A crash before step 3 is recorded leaves a pending row that a later run sends; the only
double send is a crash after the channel accepted the message and before ``mark_sent``
committed. Pure SQL through SQLAlchemy; works on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, and_, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from alerts.subscriptions import DeliveryPolicy
from storage.db import session_scope
from storage.models import Article, DeliveredStory, Delivery, Story

PENDING, SENT, FAILED = "pending", "sent", "failed"


class AlreadyDelivered(RuntimeError):
    """Another run reserved one of these stories for this subscription first."""


@dataclass(frozen=True)
class StoryRef:
    """A story to reserve; ``story_id`` None = a lone article that gets its own story row."""

    story_id: int | None
    article_ids: tuple[int, ...]
    title: str = ""


def backoff(attempts: int, policy: DeliveryPolicy) -> timedelta:
    """Wait before attempt ``attempts + 1``: base * 2**(attempts-1), capped."""
    seconds = policy.backoff_seconds * (2 ** max(0, attempts - 1))
    return timedelta(seconds=min(seconds, policy.backoff_max_seconds))


def delivered_story_keys(engine: Engine, subscription: str) -> set[str]:
    """Story keys ('s<id>') the subscription has received or has pending."""
    with session_scope(engine) as session:
        ids = session.scalars(select(DeliveredStory.story_id).where(DeliveredStory.subscription == subscription))
        return {f"s{i}" for i in ids}


def last_window_end(engine: Engine, subscription: str, kinds: Iterable[str]) -> datetime | None:
    """End of the window of the subscription's last successful delivery of these kinds."""
    with session_scope(engine) as session:
        row = session.scalars(
            select(Delivery)
            .where(Delivery.subscription == subscription, Delivery.kind.in_(list(kinds)), Delivery.status == SENT)
            .order_by(Delivery.id.desc())
            .limit(1)
        ).first()
        if row is None:
            return None
        until = (row.payload or {}).get("until")
        try:
            return datetime.fromisoformat(until) if until else row.created_at
        except (TypeError, ValueError):
            return row.created_at


def _story_for_lone_article(session: Any, ref: StoryRef, now: datetime) -> int:
    article = session.get(Article, ref.article_ids[0])
    if article is None:
        raise AlreadyDelivered(f"article {ref.article_ids[0]} vanished")
    if article.story_id is not None:  # grouped meanwhile
        return int(article.story_id)
    story = Story(title=ref.title or article.title, first_seen=now, last_seen=now, article_count=1)
    session.add(story)
    session.flush()
    article.story_id = story.id
    return int(story.id)


def reserve(
    engine: Engine,
    *,
    subscription: str,
    kind: str,
    channel: str,
    payload: dict[str, Any],
    stories: Sequence[StoryRef],
    now: datetime,
) -> int:
    """Insert a pending delivery and its stories in one transaction; return its id.

    Raises ``AlreadyDelivered`` when one of the stories is already reserved for the subscription.
    """
    try:
        with session_scope(engine) as session:
            delivery = Delivery(
                subscription=subscription, kind=kind, channel=channel, status=PENDING,
                attempts=0, payload=payload, created_at=now, next_attempt_at=None,
            )
            session.add(delivery)
            session.flush()
            story_ids = []
            for ref in stories:
                story_id = ref.story_id if ref.story_id is not None else _story_for_lone_article(session, ref, now)
                story_ids.append(story_id)
                session.add(DeliveredStory(delivery_id=delivery.id, subscription=subscription, story_id=story_id))
            session.flush()
            delivery.payload = {**payload, "story_ids": story_ids}
            return int(delivery.id)
    except IntegrityError as exc:
        raise AlreadyDelivered(f"{subscription}: a story of this digest was reserved by another run") from exc


def claim(engine: Engine, delivery_id: int, now: datetime, policy: DeliveryPolicy) -> bool:
    """Take a due pending delivery for sending (atomic); False if it is not due or not ours."""
    with session_scope(engine) as session:
        result = session.execute(
            update(Delivery)
            .where(
                Delivery.id == delivery_id,
                Delivery.status == PENDING,
                or_(Delivery.next_attempt_at.is_(None), Delivery.next_attempt_at <= now),
            )
            .values(attempts=Delivery.attempts + 1, next_attempt_at=now + timedelta(seconds=policy.claim_seconds))
            .execution_options(synchronize_session=False)
        )
        return bool(getattr(result, "rowcount", 0) == 1)


def mark_sent(engine: Engine, delivery_id: int, *, channel: str, now: datetime, note: str = "") -> None:
    """Sent: the last error of an earlier attempt is cleared (a sent row shows no stale error);
    the channel's note (why the outbox was used, refused recipients) is kept in the payload."""
    with session_scope(engine) as session:
        delivery = session.get(Delivery, delivery_id)
        if delivery is None:
            return
        delivery.status, delivery.channel, delivery.sent_at = SENT, channel, now
        delivery.next_attempt_at, delivery.last_error = None, None
        payload = {k: v for k, v in (delivery.payload or {}).items() if k != "sent_note"}
        delivery.payload = {**payload, "sent_note": note} if note else payload


def mark_failed(engine: Engine, delivery_id: int, *, error: str, now: datetime, policy: DeliveryPolicy) -> str:
    """Record a failed attempt: pending again after a backoff, or ``failed`` after the last attempt."""
    with session_scope(engine) as session:
        delivery = session.get(Delivery, delivery_id)
        if delivery is None:
            return FAILED
        delivery.last_error = error[:2000]
        if delivery.attempts >= policy.max_attempts:
            delivery.status = FAILED
            delivery.next_attempt_at = None
        else:
            delivery.status = PENDING
            delivery.next_attempt_at = now + backoff(delivery.attempts, policy)
        return str(delivery.status)


def record_progress(engine: Engine, delivery_id: int, slack_sent: int) -> None:
    """Remember how many Slack messages of a multi-message delivery were accepted."""
    with session_scope(engine) as session:
        delivery = session.get(Delivery, delivery_id)
        if delivery is not None:
            delivery.payload = {**(delivery.payload or {}), "slack_sent": slack_sent}


def due(engine: Engine, now: datetime, subscription: str | None = None) -> list[int]:
    """Pending deliveries whose next attempt is due, oldest first."""
    with session_scope(engine) as session:
        query = select(Delivery.id).where(
            and_(Delivery.status == PENDING, or_(Delivery.next_attempt_at.is_(None), Delivery.next_attempt_at <= now))
        )
        if subscription is not None:
            query = query.where(Delivery.subscription == subscription)
        return list(session.scalars(query.order_by(Delivery.id)))


def get(engine: Engine, delivery_id: int) -> Delivery | None:
    with session_scope(engine) as session:
        return session.get(Delivery, delivery_id)


@dataclass(frozen=True)
class Requeued:
    """What ``requeue`` did: true when the delivery is pending again, else ``reason`` says why not."""

    ok: bool
    reason: str = ""

    def __bool__(self) -> bool:
        return self.ok


def requeue(bind: Engine | Session, delivery_id: int) -> Requeued:
    """Put a delivery that gave up (failed) back in the queue, due now, with a fresh set of attempts.

    The one retry used by ``newswatch deliveries --retry`` and the dashboard's Retry button.
    ``bind`` is an engine (own transaction) or the caller's session (the caller commits)."""
    if isinstance(bind, Session):
        return _requeue(bind, delivery_id)
    with session_scope(bind) as session:
        return _requeue(session, delivery_id)


def _requeue(session: Session, delivery_id: int) -> Requeued:
    delivery = session.get(Delivery, delivery_id)
    if delivery is None:
        return Requeued(False, f"no delivery {delivery_id}")
    result = session.execute(
        update(Delivery)
        .where(Delivery.id == delivery_id, Delivery.status == FAILED)
        .values(status=PENDING, next_attempt_at=None, attempts=0)
        .execution_options(synchronize_session=False)
    )
    if getattr(result, "rowcount", 0) != 1:
        return Requeued(False, f"delivery {delivery_id} is {delivery.status}; only failed deliveries are retried")
    session.expire(delivery)
    return Requeued(True)


def pending_count(engine: Engine, subscriptions: Iterable[str] | None = None) -> int:
    """Deliveries still pending (not yet accepted by their channel), for the exit code of ``digest``."""
    from sqlalchemy import func

    with session_scope(engine) as session:
        query = select(func.count(Delivery.id)).where(Delivery.status == PENDING)
        if subscriptions is not None:
            query = query.where(Delivery.subscription.in_(list(subscriptions)))
        return int(session.scalar(query) or 0)


def recent(engine: Engine, *, limit: int = 20, subscription: str | None = None, status: str | None = None) -> list[Delivery]:
    with session_scope(engine) as session:
        query = select(Delivery).order_by(Delivery.id.desc()).limit(limit)
        if subscription:
            query = query.where(Delivery.subscription == subscription)
        if status:
            query = query.where(Delivery.status == status)
        rows = list(session.scalars(query))
        for row in rows:
            session.expunge(row)
        return rows


def recent_health_keys(engine: Engine, subscription: str, since: datetime) -> set[str]:
    """Issue keys alerted to ``subscription`` since ``since`` (any status but failed)."""
    with session_scope(engine) as session:
        rows = session.scalars(
            select(Delivery.payload).where(
                Delivery.subscription == subscription, Delivery.kind == "health",
                Delivery.created_at >= since, Delivery.status != FAILED,
            )
        )
        keys: set[str] = set()
        for payload in rows:
            keys.update((payload or {}).get("issue_keys") or [])
        return keys
