"""Never lost, never twice: SIGKILL a real ``newswatch digest`` mid-run, rerun, count what arrived.

The documented window (docs/alerts.md): a crash after the SMTP server accepted a message
and before the ledger recorded it as sent makes that one message go out again on the
next run. The test kills the process exactly there (the server holds its "250" reply
while the test kills the client), and at other moments, then checks:

- every story reached every subscription (none lost);
- no story reached a subscription in two different messages;
- a message was received twice only if a kill hit while it was in flight, and at most
  once per such kill.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from sqlalchemy import select
from test_alerts_support import Seeder, SmtpSink, email_sub, write_alerts_yaml

from storage.db import dispose_engines, get_engine, session_scope
from storage.models import Delivery

SUBSCRIPTIONS = 6
STORIES = 5


def _digest_process(url: str, config: Path, smtp: SmtpSink, tmp_path: Path) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSWATCH_") and k != "DATABASE_URL"}
    env.update(DATABASE_URL=url, NEWSWATCH_ALERTS_FILE=str(config), NEWSWATCH_DATA_DIR=str(tmp_path / "data"),
               NEWSWATCH_SMTP_HOST="127.0.0.1", NEWSWATCH_SMTP_PORT=str(smtp.port), NEWSWATCH_SMTP_SECURITY="none",
               NEWSWATCH_SMTP_FROM="newswatch@test.example", NEWSWATCH_LOG_LEVEL="WARNING")
    return subprocess.Popen([sys.executable, "-m", "newswatch.cli", "digest"], env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def test_sigkill_mid_digest_loses_nothing_and_resends_at_most_the_message_in_flight(
    database_url: str, tmp_path: Path
) -> None:
    engine = get_engine(database_url)
    seed = Seeder(engine)
    recent = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    titles = [f"Histoire {i}" for i in range(STORIES)]
    for title in titles:
        seed.told(title, ["Le360", "Hespress"], score=0.8, matched_at=recent)
    dispose_engines()
    names = [f"sub{i}" for i in range(SUBSCRIPTIONS)]
    # claim_seconds 0: a delivery whose sender died is retried by the very next run (default: 10 min later)
    config = write_alerts_yaml(tmp_path / "alerts.yaml", [email_sub(n) for n in names], delivery={"claim_seconds": 0})
    smtp = SmtpSink(hold_after_receive=0.3).start()
    rng = random.Random(4)
    in_flight_kills = 0
    try:
        # kill while the server holds message #1, then #1 of the next run, then at a random moment
        for plan in ("receipt", "receipt", "random"):
            smtp.received.clear()
            proc = _digest_process(database_url, config, smtp, tmp_path)
            if plan == "receipt":
                assert smtp.received.wait(60), "no message reached the server"
                in_flight_kills += 1
            else:
                time.sleep(rng.uniform(0.3, 2.5))
                in_flight_kills += 1  # may or may not be in flight: counted as if it were
            proc.send_signal(signal.SIGKILL)
            proc.wait(30)
        for _ in range(3):  # reruns to completion
            proc = _digest_process(database_url, config, smtp, tmp_path)
            out, _ = proc.communicate(timeout=120)
            if proc.returncode == 0:
                break
        assert proc.returncode == 0, out
    finally:
        smtp.stop()

    per_delivery = Counter(m["X-Newswatch-Delivery"] for m in smtp.messages)
    received: dict[tuple[str, str], set[str]] = {}
    for msg in smtp.messages:
        text = msg.get_body(("plain",)).get_content()
        for title in re.findall(r"^\d+\. (Histoire \d+)\r?$", text, flags=re.M):
            received.setdefault((msg["X-Newswatch-Subscription"], title), set()).add(msg["X-Newswatch-Delivery"])
    wanted = {(n, t) for n in names for t in titles}
    assert set(received) == wanted, f"lost: {sorted(wanted - set(received))}"
    assert all(len(ids) == 1 for ids in received.values()), "a story went out in two different messages"
    duplicates = sum(count - 1 for count in per_delivery.values())
    assert duplicates <= in_flight_kills, per_delivery
    assert duplicates >= 1  # the two kills on receipt each hit the window: its cost is real, and bounded
    with session_scope(get_engine(database_url)) as s:
        rows = s.execute(select(Delivery.status, Delivery.subscription)).all()
    assert {status for status, _ in rows} == {"sent"} and sorted(sub for _, sub in rows) == names
    print(f"\n{len(smtp.messages)} messages for {len(per_delivery)} deliveries; {duplicates} resent after "
          f"{in_flight_kills} kills")
