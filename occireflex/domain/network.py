"""Client addresses and address rules: the one place an IP is derived and parsed.

``client_address`` is how every reader (websocket events, HTTP routes) learns who is
connecting: the peer address, or — only behind ``settings.trusted_proxy_hops`` proxies —
the X-Forwarded-For entry the outermost trusted proxy appended. Entries to its left were
written by the client and are never believed.
"""

from __future__ import annotations

import ipaddress

from occireflex.settings import settings

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_address(raw: object) -> Address | None:
    """An IPv4/IPv6 address (an IPv4-mapped IPv6 one as its IPv4), or None."""
    if not isinstance(raw, str) or not raw.strip() or len(raw) > 64:
        return None
    try:
        address = ipaddress.ip_address(raw.strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def client_address(peer: object, forwarded_for: object, hops: int | None = None) -> str:
    """The client's address as seen by the first trusted hop.

    With ``hops`` = 0 (no proxy), the peer; with N trusted proxies, each appends what
    connected to it, so the client is the N-th entry from the right. A header with fewer
    entries (a request that did not come through every proxy) or an entry that is not an
    address leaves the peer.
    """
    hops = settings.trusted_proxy_hops if hops is None else hops
    peer_text = peer if isinstance(peer, str) else ""
    peer_address = parse_address(peer_text)
    fallback = str(peer_address) if peer_address is not None else peer_text[:64]
    if hops <= 0 or not isinstance(forwarded_for, str):
        return fallback
    entries = [e.strip() for e in forwarded_for.split(",") if e.strip()]
    if len(entries) < hops:
        return fallback
    address = parse_address(entries[-hops])
    return str(address) if address is not None else fallback


def contains(network: Network, address: Address | None) -> bool:
    return address is not None and address.version == network.version and address in network
