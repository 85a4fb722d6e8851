"""Response helpers for pages reached by a token, shared by every app's views."""

from django.shortcuts import redirect


def no_store(response):
    """Nothing of this page is kept by the browser or a proxy (signed-in pages, calendar files)."""
    response["Cache-Control"] = "no-store"
    return response


def no_referrer(response):
    """For responses to a URL that holds a token (and for calendar files): no Referer leaves them."""
    response["Referrer-Policy"] = "no-referrer"
    return no_store(response)


def token_landing(request, *, key: str, value, next_name: str):
    """Keep a checked token in the session and send the browser to a URL without it.

    The page there has forms: a page sent with Referrer-Policy: no-referrer makes browsers post with
    "Origin: null", which CSRF protection rightly refuses, so the token's own URL only redirects.
    """
    request.session[key] = value
    return no_referrer(redirect(next_name))
