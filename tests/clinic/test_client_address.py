"""Every limit counts the client address core.net.client_ip gives (issue 14, item 13)."""

from django.core.cache import cache
from django.urls import get_resolver, reverse
from rest_framework.test import APIClient
from rest_framework.throttling import BaseThrottle

from core.net import throttle_ident


def post_request(ip, forwarded=None):
    extra = {"REMOTE_ADDR": ip}
    if forwarded:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return APIClient().post(reverse("api-booking-requests"), {}, format="json", **extra).status_code


def test_a_forwarded_for_header_from_an_untrusted_peer_does_not_dodge_the_api_throttle(db):
    cache.clear()
    answers = [post_request("198.51.100.7", forwarded=f"192.0.2.{n}") for n in range(11)]
    assert answers[:10] == [400] * 10 and answers[10] == 429
    assert post_request("198.51.100.8") == 400  # another client is not held back


def test_behind_a_trusted_proxy_the_api_throttle_counts_each_forwarded_client(db, settings):
    cache.clear()
    settings.TRUSTED_PROXIES = ["10.0.0.1"]
    answers = [post_request("10.0.0.1", forwarded=f"192.0.2.{n}") for n in range(12)]
    assert set(answers) == {400}  # twelve clients, one request each
    assert [post_request("10.0.0.1", forwarded="192.0.2.50") for _ in range(11)][-1] == 429


def _throttle_classes(patterns):
    from django.urls import URLPattern, URLResolver

    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _throttle_classes(pattern.url_patterns)
        elif isinstance(pattern, URLPattern):
            view = getattr(pattern.callback, "cls", None)
            yield from getattr(view, "throttle_classes", [])


def test_no_api_throttle_identifies_the_client_its_own_way():
    assert BaseThrottle.get_ident is throttle_ident
    classes = set(_throttle_classes(get_resolver().url_patterns))
    assert classes, "the public request endpoint is throttled"
    assert all(cls.get_ident is throttle_ident for cls in classes)
