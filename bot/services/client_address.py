"""Which address a request comes from, behind reverse proxies that the operator trusts.

``X-Forwarded-For`` is a list the client starts and every proxy appends to, so only the
entries appended by proxies we trust are facts; everything left of them was written by
the client. The address is therefore the right-most entry that is not a trusted proxy,
and the header is read only when the direct peer itself is a trusted proxy (issue 14,
finding 3: the left-most entry let one client rotate through 40 "addresses"). See
MDN "X-Forwarded-For: Selecting an IP address" and RFC 7239 section 8.3.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence

from knowledge.errors import ConfigurationError

IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
UNKNOWN = "unknown"


def parse_networks(values: Iterable[str]) -> list[IpNetwork]:
    """Addresses or CIDR networks (``10.0.0.5``, ``172.28.0.0/16``) of trusted proxies."""
    networks = []
    for value in values:
        try:
            networks.append(ipaddress.ip_network(value.strip(), strict=False))
        except ValueError as exc:
            raise ConfigurationError(
                f"GOVBOT_API__TRUSTED_PROXIES entry {value!r} is not an IP address or "
                'network; use e.g. \'["172.28.0.10", "10.0.0.0/8"]\''
            ) from exc
    return networks


class ClientAddress:
    """Resolves the client's address from the peer and the forwarded-for chain."""

    def __init__(self, trusted: Sequence[IpNetwork]) -> None:
        self._trusted = list(trusted)

    def _is_trusted(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in self._trusted)

    def of(self, peer: str | None, forwarded_for: Sequence[str]) -> str:
        """The right-most untrusted hop, or the peer when it is no trusted proxy."""
        if not peer:
            return UNKNOWN
        if not self._trusted or not self._is_trusted(peer):
            return peer
        hops = [hop.strip() for header in forwarded_for for hop in header.split(",")]
        for hop in reversed([hop for hop in hops if hop]):
            if self._is_trusted(hop):
                continue
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                # Not an address where only an address can be: the proxy in front of us
                # did not write it, so count the request under that proxy.
                return peer
        return peer  # every hop is one of our proxies: a request from inside
