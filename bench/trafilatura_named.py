"""Run trafilatura's CLI with some host names resolved to loopback addresses, in its own process.

trafilatura refuses IP-address URLs, and the local web lives on 127.0.0.x: the benchmark
gives each site a host name, and this wrapper maps the names to addresses by patching
``socket.getaddrinfo`` before handing over to ``trafilatura.cli.main``. Nothing outside this
process resolves the names.

Usage: NEWSWATCH_BENCH_HOSTS="bench0.example=127.0.0.2,bench1.example=127.0.0.3" \
       python bench/trafilatura_named.py [trafilatura arguments]
"""

from __future__ import annotations

import os
import socket
import sys
from typing import Any

HOSTS_VAR = "NEWSWATCH_BENCH_HOSTS"


def parse_hosts(spec: str) -> dict[str, str]:
    """'name=addr,name=addr' -> {name: addr} (names lower-cased, as resolvers compare them)."""
    pairs = (item.split("=", 1) for item in spec.split(",") if "=" in item)
    return {name.strip().lower(): addr.strip() for name, addr in pairs}


def install(hosts: dict[str, str]) -> None:
    """Resolve ``hosts`` to their addresses in this process; every other name as before."""
    real = socket.getaddrinfo

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(host, bytes):
            host = host.decode()
        return real(hosts.get(host.lower(), host) if isinstance(host, str) else host, *args, **kwargs)

    socket.getaddrinfo = getaddrinfo  # type: ignore[assignment]


def main() -> None:
    install(parse_hosts(os.environ.get(HOSTS_VAR, "")))
    from trafilatura.cli import main as trafilatura_main

    sys.argv[0] = "trafilatura"
    trafilatura_main()


if __name__ == "__main__":
    main()
