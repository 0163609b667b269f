"""Which network addresses the crawler may connect to: a pure policy, no I/O.

An outlet's links, redirects and DNS answers are hostile; they must not steer the crawler
to loopback, private, link-local or cloud-metadata addresses (where internal services
answer). The operator's config is trusted: an outlet whose configured host *is* such an
address (a local test web, an intranet source given by address) keeps working, and
``NEWSWATCH_ALLOW_PRIVATE_HOSTS`` allows named hosts or networks explicitly.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

_METADATA = {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254"),
             ipaddress.ip_address("100.100.100.200")}  # AWS/GCP/Azure/OpenStack, AWS IPv6, Alibaba


def refused_reason(address: str) -> str | None:
    """Why the crawler must not connect to ``address`` (an IP literal), or None when it is public."""
    try:
        ip: IPAddress = ipaddress.ip_address(address.strip("[]"))
    except ValueError:
        return "unparsable address"
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is not None:
            return refused_reason(str(embedded))
    if ip in _METADATA:
        return "metadata"
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local"
    if ip.is_multicast:
        return "multicast"
    if ip.is_unspecified:
        return "unspecified"
    if ip.is_private or not ip.is_global:
        return "private"
    return None


@dataclass(frozen=True)
class PrivateAllowList:
    """``NEWSWATCH_ALLOW_PRIVATE_HOSTS``: ``*`` (all), host names, addresses or networks (CIDR)."""

    everything: bool = False
    hosts: frozenset[str] = frozenset()
    networks: tuple[IPNetwork, ...] = field(default_factory=tuple)

    @classmethod
    def parse(cls, value: str) -> PrivateAllowList:
        items = [item.strip().lower().rstrip(".") for item in value.replace(";", ",").split(",") if item.strip()]
        networks: list[IPNetwork] = []
        hosts: set[str] = set()
        for item in items:
            try:
                networks.append(ipaddress.ip_network(item.strip("[]"), strict=False))
            except ValueError:
                hosts.add(item)
        return cls("*" in items, frozenset(hosts - {"*"}), tuple(networks))

    def allows(self, host: str, address: str) -> bool:
        if self.everything or host in self.hosts:
            return True
        try:
            ip = ipaddress.ip_address(address.strip("[]"))
        except ValueError:
            return False
        return any(ip in network for network in self.networks)


def may_connect(host: str, address: str, configured_hosts: set[str], allow: PrivateAllowList) -> str | None:
    """None when the crawler may connect to ``address`` (what ``host`` resolved to); else the reason.

    ``configured_hosts`` are the hosts the operator wrote for the outlet: when one of them is
    an address literal and the request goes to exactly it, the operator chose that address.
    """
    reason = refused_reason(address)
    if reason is None or allow.allows(host, address):
        return None
    if host == address and host in configured_hosts:
        return None
    return reason
