"""Every limit counts the client address core.net.client_ip gives (issue 14, item 13)."""

from django.urls import get_resolver, reverse
from rest_framework.test import APIClient
from rest_framework.throttling import BaseThrottle

from core.net import throttle_ident

REQUEST = {"name": "Ivan", "phone": "+79161112233"}


def post_request(ip, forwarded=None):
    extra = {"REMOTE_ADDR": ip}
    if forwarded:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return APIClient().post(reverse("api-booking-requests"), REQUEST, format="json", **extra).status_code


def test_a_forwarded_for_header_from_an_untrusted_peer_does_not_dodge_the_public_limit(db, settings):
    settings.PUBLIC_REQUESTS_PER_IP_PER_HOUR = 3
    answers = [post_request("198.51.100.7", forwarded=f"192.0.2.{n}") for n in range(4)]
    assert answers == [202, 202, 202, 429]
    assert post_request("198.51.100.8") == 202  # another client is not held back


def test_behind_a_trusted_proxy_the_public_limit_counts_each_forwarded_client(db, settings):
    settings.PUBLIC_REQUESTS_PER_IP_PER_HOUR = 3
    settings.TRUSTED_PROXIES = ["10.0.0.1"]
    answers = [post_request("10.0.0.1", forwarded=f"192.0.2.{n}") for n in range(6)]
    assert set(answers) == {202}  # six clients, one request each
    assert [post_request("10.0.0.1", forwarded="192.0.2.50") for _ in range(4)][-1] == 429


def _throttle_classes(patterns):
    from django.urls import URLPattern, URLResolver

    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _throttle_classes(pattern.url_patterns)
        elif isinstance(pattern, URLPattern):
            view = getattr(pattern.callback, "cls", None)
            yield from getattr(view, "throttle_classes", [])


def test_no_api_throttle_identifies_the_client_its_own_way():
    # No endpoint uses a DRF throttle today (the public form's limit is the service's, in PostgreSQL);
    # one added later counts the same address as every limiter.
    assert BaseThrottle.get_ident is throttle_ident
    classes = set(_throttle_classes(get_resolver().url_patterns))
    assert all(cls.get_ident is throttle_ident for cls in classes)
