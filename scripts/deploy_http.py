"""A small HTTP client for scripts/deploy_check.py: plain http.client, as an HTTPS proxy would talk.

The production settings trust `X-Forwarded-Proto: https` (SECURE_PROXY_SSL_HEADER) and mark the
cookies Secure, so this client does what nginx in front of gunicorn does: it sends that header,
keeps the cookies itself (a cookie jar would hold Secure cookies back over plain HTTP) and checks
that they are Secure, and sends Origin on a POST as a browser on https:// would (CSRF checks it).
"""

from __future__ import annotations

import http.client
import json
import re
import time
from collections import deque
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urlsplit

SKIP = ("/static/", "/i18n/", "/accounts/logout/", "/admin/logout/", "/admin/r/")
HASHED = re.compile(r"\.[0-9a-f]{12}\.\w+$")


class CheckFailed(Exception):
    pass


class _Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[str] = []
        self.assets: list[str] = []
        self.csrf = ""

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        elif tag in ("link", "script", "img") and (attrs.get("href") or attrs.get("src")):
            self.assets.append(attrs.get("href") or attrs.get("src"))
        elif tag == "input" and attrs.get("name") == "csrfmiddlewaretoken" and not self.csrf:
            self.csrf = attrs.get("value") or ""


def _parse(body: bytes) -> _Page:
    page = _Page()
    page.feed(body.decode("utf-8", "replace"))
    return page


def _pattern(path: str) -> str:
    return re.sub(r"\d+", "N", path)


class Browser:
    def __init__(self, port: int, who: str):
        self.port, self.who = port, who
        self.origin = f"https://127.0.0.1:{port}"
        self.cookies: dict[str, str] = {}
        self.rows: list[tuple] = []
        self.static_refs: set[str] = set()
        self.timeout = 20.0

    # --- one request ---

    def request(
        self, method: str, path: str, form: dict | None = None, proxied: bool = True, extra=None, json_body=None
    ):
        headers = {"Host": f"127.0.0.1:{self.port}", "User-Agent": "deploy-check", "Accept-Language": "ru"}
        if proxied:
            headers["X-Forwarded-Proto"] = "https"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            headers.update(
                {
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Origin": self.origin,
                    "Referer": self.origin + path,
                }
            )
        if json_body is not None:
            body = json.dumps(json_body)
            headers["Content-Type"] = "application/json"
        headers.update(extra or {})
        started = time.monotonic()
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            data = response.read()
        finally:
            conn.close()
        ms = round((time.monotonic() - started) * 1000)
        self._keep_cookies(response.msg.get_all("Set-Cookie") or [])
        return response.status, response.msg, data, ms

    def _keep_cookies(self, set_cookies: list[str]) -> None:
        for header in set_cookies:
            jar = SimpleCookie()
            jar.load(header)
            for name, morsel in jar.items():
                if not morsel["secure"]:
                    self.rows.append((self.who, "cookie", name, "not Secure", "", False))
                if morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value

    # --- pages ---

    def visit(self, path: str, required: bool = False, record: bool = True):
        """GET a page, following redirects inside the site; a 5xx always fails, a required page must be 200."""
        hops, status, ms_total = [], 0, 0
        current, data = path, b""
        for _ in range(5):
            status, headers, data, ms = self.request("GET", current)
            ms_total += ms
            location = headers.get("Location")
            if status in (301, 302, 303) and location and not location.startswith("http"):
                hops.append(str(status))
                current = location
                continue
            break
        shown = " > ".join([*hops, f"{status}"]) + (f" ({urlsplit(current).path})" if hops else "")
        good = status < 500 and status != 404 and (status == 200 or not required)
        if record:
            self.rows.append((self.who, "GET", path, shown, ms_total, good))
        return current, status, data

    def expect_https_redirect(self) -> None:
        status, headers, _, ms = self.request("GET", "/accounts/login/", proxied=False)
        location = headers.get("Location") or ""
        good = status == 301 and location.startswith("https://")
        self.rows.append((self.who, "GET", "/accounts/login/ (plain http)", f"{status} {location[:20]}", ms, good))

    def _post(self, path: str, fields: dict, expect: int = 302):
        """Open the form (following redirects), then post it where it ended up, with its CSRF token."""
        path, _, data = self.visit(path, required=True)
        token = _parse(data).csrf
        status, headers, _, ms = self.request("POST", path, {"csrfmiddlewaretoken": token, **fields})
        location = headers.get("Location") or ""
        self.rows.append((self.who, "POST", path, f"{status} {location}"[:22], ms, status == expect))
        return status == expect, location

    def sign_in(self, username: str, password: str, landing: str, code: str | None) -> bool:
        """The login form; with a code, the second factor the next page asks for (it must ask)."""
        signed, location = self._post("/accounts/login/", {"username": username, "password": password})
        if signed and code:
            asked, _, _ = self.visit(location, record=False)
            if not asked.startswith("/accounts/2fa/verify/"):
                self.rows.append((self.who, "2fa", location, f"not asked ({asked})", "", False))
                return False
            signed, _ = self._post(asked, {"code": code})
        if not signed:
            return False
        final, status, _ = self.visit("/", record=False)
        final = urlsplit(final).path
        good = final == landing and status == 200
        self.rows.append((self.who, "GET", "/ (lands on)", f"{status} ({final})", "", good))
        return good

    def crawl(self, landing: str, required: list[str], limit: int, deadline: float) -> None:
        """The required pages and, two links deep, one page of each kind they link to."""
        queue = deque((path, 0) for path in [landing, *required])
        seen: set[str] = set()
        visited: set[str] = set()
        while queue and len(seen) < limit and time.monotonic() < deadline:
            path, depth = queue.popleft()
            if _pattern(path) in seen:
                continue
            seen.add(_pattern(path))
            _, status, data = self.visit(path, required=path in required)
            visited.add(path)
            if status != 200:
                continue
            page = _parse(data)
            self.static_refs |= {urlsplit(a).path for a in page.assets if a.startswith("/static/")}
            if depth < 2:
                for link in page.links:
                    target = urlsplit(link)
                    if link.startswith("/") and not link.startswith("//") and not target.path.startswith(SKIP):
                        queue.append((target.path + (f"?{target.query}" if target.query else ""), depth + 1))
        for path in required:
            if path not in visited:  # the crawl ran out of pages or time first
                self.rows.append((self.who, "GET", path, "not reached", "", False))

    def fetch_statics(self, paths: list[str]) -> list[tuple]:
        """Each static file a page named: served by its hashed name, cacheable for ever, compressed."""
        rows = []
        for path in paths:
            status, headers, _, ms = self.request("GET", path, extra={"Accept-Encoding": "gzip"})
            cache = headers.get("Cache-Control") or ""
            hashed = bool(HASHED.search(path))
            good = status == 200 and hashed and "max-age=315360000" in cache
            shown = f"{status} {'hashed' if hashed else 'NOT hashed'} {headers.get('Content-Encoding') or ''}"
            rows.append(("static", "GET", path, shown, ms, good))
        return rows


def api_token(port: int, username: str, password: str) -> str:
    """The API's own sign-in: POST username and password, get a token (for a user without a second factor)."""
    browser = Browser(port, username)
    credentials = {"username": username, "password": password}  # as JSON: the API takes no form bodies
    status, _, body, _ = browser.request("POST", "/api/v1/auth/token/", json_body=credentials)
    if status != 200:
        raise CheckFailed(f"POST /api/v1/auth/token/ as {username} answered {status}: {body[:200]!r}")
    return json.loads(body)["token"]
