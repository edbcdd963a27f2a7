"""IP address arithmetic for SF-IU-03 and SF-NET-01 (IPv4 and IPv6).

A Login IP Range is "wholly inside" the allowed networks when every address from its start to its
end lies in the union of those networks, so a range that spans two adjacent allowed networks is
inside even though neither network alone contains it.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_ip(value: Any) -> IPAddress | None:
    """The address in ``value``, or None when it is not a single IPv4/IPv6 address.

    An IPv4-mapped IPv6 address (``::ffff:203.0.113.5``) is the IPv4 client behind it, so it is
    returned as that IPv4 address and compared with the IPv4 networks.
    """
    if not isinstance(value, str):
        return None
    try:
        address = ipaddress.ip_address(value.strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


@dataclass(frozen=True)
class NetworkUnion:
    """The allowed networks as merged, sorted integer intervals per IP version."""

    intervals: dict[int, tuple[tuple[int, int], ...]]

    @classmethod
    def of(cls, networks: Iterable[Network]) -> NetworkUnion:
        by_version: dict[int, list[tuple[int, int]]] = {}
        for net in networks:
            by_version.setdefault(net.version, []).append(
                (int(net.network_address), int(net.broadcast_address))
            )
        return cls({v: _merge(spans) for v, spans in by_version.items()})

    def covers(self, first: IPAddress, last: IPAddress) -> bool:
        """Whether every address in [first, last] lies inside the union."""
        if first.version != last.version or int(first) > int(last):
            return False
        low, high = int(first), int(last)
        return any(lo <= low and high <= hi for lo, hi in self.intervals.get(first.version, ()))

    def contains(self, address: IPAddress) -> bool:
        return self.covers(address, address)


def _merge(spans: list[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    """Merge overlapping and adjacent intervals (end + 1 == next start)."""
    merged: list[tuple[int, int]] = []
    for lo, hi in sorted(spans):
        if merged and lo <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], hi))
        else:
            merged.append((lo, hi))
    return tuple(merged)


@dataclass(frozen=True)
class AddressRange:
    """A LoginIpRange as read: parsed bounds when both are valid and ordered, else a problem."""

    start_text: str
    end_text: str
    first: IPAddress | None
    last: IPAddress | None
    problem: str | None  # why the range could not be read, naming the bad value

    @classmethod
    def parse(cls, start: Any, end: Any) -> AddressRange:
        start_text, end_text = str(start), str(end)
        first, last = parse_ip(start), parse_ip(end)
        problem = None
        if first is None:
            problem = f"start address {start!r} is not an IP address"
        elif last is None:
            problem = f"end address {end!r} is not an IP address"
        elif first.version != last.version:
            problem = f"range {start_text}-{end_text} mixes IPv4 and IPv6"
        elif int(first) > int(last):
            problem = f"range {start_text}-{end_text} ends before it starts"
        return cls(start_text, end_text, first, last, problem)

    @property
    def text(self) -> str:
        return f"{self.start_text}-{self.end_text}"

    def inside(self, union: NetworkUnion) -> bool | None:
        """True/False when readable; None when the range could not be parsed."""
        if self.problem is not None or self.first is None or self.last is None:
            return None
        return union.covers(self.first, self.last)
