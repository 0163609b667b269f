"""``newswatch serve``: the dashboard under uvicorn.

Bound to 127.0.0.1 by default. On any other address NEWSWATCH_DASHBOARD_TOKEN must be
set, or the command refuses to start; when the token is set, every request must present
it (HTTP Basic password, any user name, or ``Authorization: Bearer``). The token is
never printed or logged. Only loopback names, the bound address and
NEWSWATCH_DASHBOARD_HOSTS are answered as ``Host``; ``--ssl-certfile``/``--ssl-keyfile``
serve HTTPS.
"""

from __future__ import annotations

import logging

import click

from common.settings import get_settings
from newswatch.exitcodes import USAGE, CliError

log = logging.getLogger(__name__)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="TCP port.")
@click.option("--ssl-certfile", type=click.Path(exists=True, dir_okay=False), help="TLS certificate (PEM): serve HTTPS.")
@click.option("--ssl-keyfile", type=click.Path(exists=True, dir_okay=False), help="Private key of --ssl-certfile (PEM).")
@click.option("--database-url", default=None, help="Override DATABASE_URL.")
def serve(host: str, port: int, ssl_certfile: str | None, ssl_keyfile: str | None, database_url: str | None) -> None:
    """Run the web dashboard (matches, outlets, runs, deliveries, charts, /api)."""
    import uvicorn

    from dashboard.app import create_app
    from dashboard.security import is_loopback
    from storage.db import upgrade

    if bool(ssl_certfile) != bool(ssl_keyfile):
        raise click.UsageError("--ssl-certfile and --ssl-keyfile go together")
    settings = get_settings()
    token = settings.dashboard_token or None
    if not is_loopback(host) and not token:
        raise CliError(
            f"refusing to serve on {host}, which other machines can reach, without a password: "
            "set NEWSWATCH_DASHBOARD_TOKEN (or use --host 127.0.0.1)", USAGE
        )
    upgrade(database_url)
    # the address bound to is answered too (a LAN IP is no DNS-rebinding name); 0.0.0.0 is not a Host
    extra = [*settings.dashboard_hosts.split(","), *([] if host in ("0.0.0.0", "::") else [host])]
    app = create_app(database_url=database_url, token=token, hosts=extra)
    log.info(
        "dashboard on %s://%s:%d/ (%s)",
        "https" if ssl_certfile else "http",
        host,
        port,
        "token required" if token else "no token: loopback only",
    )
    uvicorn.run(
        app, host=host, port=port, log_level=settings.log_level.lower(), proxy_headers=False,
        ssl_certfile=ssl_certfile, ssl_keyfile=ssl_keyfile,
    )  # fmt: skip
