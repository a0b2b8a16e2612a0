"""Which network addresses may be fetched from unasked: public ones, one rule for everyone.

The engine fetches a file input by URL (`engine/fetch.py`, sync) and the app fetches what a
backend's answer names, a model's output files and covers (`files/netguard.py`, async). Both
resolve a host once, refuse it unless every address passes `is_public`, and connect to the
address they checked. Imported by both sides (like `config.py`, it sits below every layer).
"""

from __future__ import annotations

import ipaddress

# NAT64 (RFC 6052): the last 32 bits are an IPv4 address, reached through the host's gateway.
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


def is_public(address: str) -> bool:
    """False for private, loopback, link-local, shared (100.64/10), multicast, reserved and
    unspecified addresses, also when wrapped in IPv6 (mapped, 6to4, NAT64)."""
    ip: ipaddress.IPv4Address | ipaddress.IPv6Address = ipaddress.ip_address(
        address.split("%", 1)[0])  # an IPv6 zone ("fe80::1%eth0") says nothing of the address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        elif ip.sixtofour is not None:
            ip = ip.sixtofour
        elif ip in _NAT64:
            ip = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return ip.is_global and not ip.is_multicast
