"""The address a request came from, for the audit trail and the lockout by address (MLPS level 3).

Behind nginx every request reaches the web process from nginx itself (REMOTE_ADDR 127.0.0.1 in the
README's set-up), so the person's own address has to come from the header nginx sets:
`proxy_set_header X-Real-IP $remote_addr;` (or the right-most hop of X-Forwarded-For, which nginx's
`$proxy_add_x_forwarded_for` appends). Anyone can send those headers, so they are believed only when
the request came from an address in TRUSTED_PROXIES; from any other address REMOTE_ADDR is the answer
and the headers are ignored."""

from __future__ import annotations

import functools
import ipaddress

from django.conf import settings

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@functools.cache
def _networks(proxies: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(p, strict=False) for p in proxies)


def _address(text: str | None) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address((text or "").strip())
    except ValueError:
        return None


def _trusted(address, networks: tuple[Network, ...]) -> bool:
    return address is not None and any(address in network for network in networks)


def client_ip(request) -> str | None:
    """The client's address: REMOTE_ADDR, unless that is a trusted proxy, which then says whose request
    it passes on in X-Real-IP, or failing that in X-Forwarded-For (read from the right: the hop the
    proxy added, past any further trusted proxies). A header that is not an address is ignored."""
    remote = request.META.get("REMOTE_ADDR") or None
    networks = _networks(tuple(settings.TRUSTED_PROXIES))
    if not _trusted(_address(remote), networks):
        return remote
    real = _address(request.META.get("HTTP_X_REAL_IP"))
    if real is not None:
        return str(real)
    for hop in reversed(request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")):
        address = _address(hop)
        if address is None:
            break
        if not _trusted(address, networks):
            return str(address)
    return remote
