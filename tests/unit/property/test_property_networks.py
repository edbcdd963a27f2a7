"""NetworkUnion (SF-IU-03, SF-NET-01) against brute force with ``ipaddress``: a range is inside
the allowed networks exactly when every one of its addresses is in one of them."""

from __future__ import annotations

import ipaddress

from hypothesis import given, settings
from hypothesis import strategies as st
from sfscan.rules._netutil import AddressRange, NetworkUnion, parse_ip

# A /24 keeps brute force cheap while still exercising overlap, adjacency and nesting.
V4_BASE = int(ipaddress.IPv4Address("198.51.100.0"))
V6_BASE = int(ipaddress.IPv6Address("2001:db8::"))


@st.composite
def v4_networks(draw: st.DrawFn) -> ipaddress.IPv4Network:
    prefix = draw(st.integers(min_value=26, max_value=32))
    size = 2 ** (32 - prefix)
    start = V4_BASE + draw(st.integers(min_value=0, max_value=256 // size - 1)) * size
    return ipaddress.IPv4Network((start, prefix))


@st.composite
def v6_networks(draw: st.DrawFn) -> ipaddress.IPv6Network:
    prefix = draw(st.integers(min_value=122, max_value=128))
    size = 2 ** (128 - prefix)
    start = V6_BASE + draw(st.integers(min_value=0, max_value=256 // size - 1)) * size
    return ipaddress.IPv6Network((start, prefix))


offsets = st.tuples(st.integers(0, 255), st.integers(0, 255)).map(sorted)


@settings(max_examples=300, deadline=None)
@given(nets=st.lists(v4_networks(), max_size=6), bounds=offsets)
def test_v4_union_covers_a_range_exactly_when_brute_force_does(
    nets: list[ipaddress.IPv4Network], bounds: list[int]
) -> None:
    first, last = (ipaddress.IPv4Address(V4_BASE + b) for b in bounds)
    expected = all(
        any(ipaddress.IPv4Address(a) in n for n in nets) for a in range(int(first), int(last) + 1)
    )
    assert NetworkUnion.of(nets).covers(first, last) is expected


@settings(max_examples=200, deadline=None)
@given(nets=st.lists(v6_networks(), max_size=6), bounds=offsets)
def test_v6_union_covers_a_range_exactly_when_brute_force_does(
    nets: list[ipaddress.IPv6Network], bounds: list[int]
) -> None:
    first, last = (ipaddress.IPv6Address(V6_BASE + b) for b in bounds)
    expected = all(
        any(ipaddress.IPv6Address(a) in n for n in nets) for a in range(int(first), int(last) + 1)
    )
    assert NetworkUnion.of(nets).covers(first, last) is expected


@settings(max_examples=200, deadline=None)
@given(v4=st.lists(v4_networks(), max_size=4), v6=st.lists(v6_networks(), max_size=4), b=offsets)
def test_versions_never_cover_each_other(
    v4: list[ipaddress.IPv4Network], v6: list[ipaddress.IPv6Network], b: list[int]
) -> None:
    union = NetworkUnion.of([*v4, *v6])
    first4, last4 = (ipaddress.IPv4Address(V4_BASE + x) for x in b)
    first6 = ipaddress.IPv6Address(V6_BASE + b[0])
    assert union.covers(first4, last4) is NetworkUnion.of(v4).covers(first4, last4)
    assert not union.covers(first4, first6)  # a mixed range is never inside


@settings(max_examples=200, deadline=None)
@given(nets=st.lists(v4_networks(), max_size=6), offset=st.integers(0, 255))
def test_an_ipv4_mapped_ipv6_address_is_judged_as_its_ipv4_address(
    nets: list[ipaddress.IPv4Network], offset: int
) -> None:
    address = ipaddress.IPv4Address(V4_BASE + offset)
    mapped = parse_ip(f"::ffff:{address}")
    assert mapped == address
    assert NetworkUnion.of(nets).contains(mapped) is any(address in n for n in nets)


@settings(max_examples=200, deadline=None)
@given(nets=st.lists(v4_networks(), max_size=6), bounds=offsets)
def test_a_backwards_range_is_a_problem_not_a_verdict(
    nets: list[ipaddress.IPv4Network], bounds: list[int]
) -> None:
    low, high = (str(ipaddress.IPv4Address(V4_BASE + b)) for b in bounds)
    if low == high:
        return
    backwards = AddressRange.parse(high, low)
    assert backwards.problem is not None and "ends before it starts" in backwards.problem
    assert backwards.inside(NetworkUnion.of(nets)) is None
