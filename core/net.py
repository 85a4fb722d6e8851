"""Who is on the other end: the client's IP address, trusting forwarded-for only from listed proxies."""

import ipaddress
from urllib.parse import urlsplit

from django.conf import settings


def client_ip(request) -> str | None:
    """REMOTE_ADDR, unless it is one of TRUSTED_PROXIES: then the right-most X-Forwarded-For address
    that is not itself a trusted proxy (the one the proxy saw). A header from anyone else is ignored,
    so a client cannot pick its own address to dodge a lockout or a rate limit."""
    if request is None:
        return None
    remote = request.META.get("REMOTE_ADDR")
    trusted = settings.TRUSTED_PROXIES
    if not trusted or remote not in trusted:
        return remote
    hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
    for hop in reversed(hops):
        if hop in trusted:
            continue
        try:
            return str(ipaddress.ip_address(hop))
        except ValueError:
            return remote  # a malformed header: fall back to the proxy itself
    return remote


def throttle_ident(throttle, request) -> str:
    """Who a DRF throttle counts: client_ip. DRF's own get_ident believes any X-Forwarded-For header,
    which the client writes itself; accounts.apps puts this one on BaseThrottle, so every throttle,
    present and future, counts the address the lockouts and limiters count."""
    return client_ip(request) or ""


def absolute_url(path: str) -> str:
    """A URL of this site for a message or a calendar file (SITE_URL and the path)."""
    return settings.SITE_URL.rstrip("/") + path


def site_host() -> str:
    """The site's host name, without scheme or port (Message-ID domains, calendar UIDs)."""
    return urlsplit(settings.SITE_URL).hostname or "clinic.invalid"
