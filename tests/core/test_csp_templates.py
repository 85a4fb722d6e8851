"""Pages obey the Content-Security-Policy (script-src and style-src 'self'): the browser ignores an
inline handler or style attribute, so a button with onclick= silently does nothing. Emails are not
pages: their inline styles are what mail clients read."""

import re

from tests.helpers import ROOT

EMAILS = {"core/letter.html"}
INLINE = re.compile(r"""\s(on[a-z]+|style)\s*=\s*["']""", re.IGNORECASE)


def _pages():
    for folder in [ROOT / "templates", *ROOT.glob("*/templates")]:
        for path in folder.rglob("*.html"):
            name = path.relative_to(folder).as_posix()
            if name not in EMAILS and ".venv" not in path.parts and "node_modules" not in path.parts:
                yield name, path


def test_no_page_template_has_an_inline_handler_or_style():
    found = [f"{name}: {match.group(1)}=" for name, path in _pages() for match in INLINE.finditer(path.read_text())]
    assert found == []


def test_the_check_finds_an_inline_handler():
    assert INLINE.search('<button type="button" onclick="window.print()">')
    assert INLINE.search('<img class="x" style="max-height: 1rem">')
    assert not INLINE.search('<button data-print class="btn">')
