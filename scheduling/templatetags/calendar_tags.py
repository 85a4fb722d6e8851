"""The calendar's session rows, written out in Python.

A busy day has hundreds of sessions; a template loop (or format_html per row) over them costs
more than every query of the page together. Text that users typed is escaped with
django.utils.html.escape; the rest are numbers, times and URLs the app made itself.
"""

import json
from html import escape  # plain strings here: the stdlib escape, without Django's lazy-string wrapper

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.formats import date_format
from django.utils.safestring import mark_safe

register = template.Library()


@register.simple_tag
def calendar_items(sessions, course_url: str, view: str, by: str, warnings=None):
    rows = []
    warnings = warnings or {}
    for s in sessions:
        when = f"{escape(date_format(s.day, 'D j E'))} " if view == "week" else ""
        who = f" · {escape(s.clinician)}" if by == "room" else ""
        flagged = warnings.get(s.id, ())
        notes = "".join(f'<div class="small text-danger">{escape(str(w.text))}</div>' for w in flagged)
        rows.append(
            f'<li class="list-group-item{" list-group-item-warning" if flagged else ""}">'
            f'<a href="{escape(course_url)}{int(s.course_id)}/">{when}{s.start}–{s.end}</a>'
            f" {escape(s.patient)} · {escape(s.procedure)}{who}{notes}</li>"
        )
    return mark_safe("".join(rows))  # noqa: S308 - every user-typed value above is escaped


@register.filter
def json_block(value, element_id: str):
    """json_script's block, with letters beyond ASCII written as themselves: the grid's data block of a
    busy Russian day is half the size (json_script writes each Cyrillic letter as a six-byte escape),
    and made faster (json_script's str.translate is slow on text that is not ASCII). The same three
    characters are escaped, so the block cannot end the script element or open a tag."""
    text = json.dumps(value, ensure_ascii=False, cls=DjangoJSONEncoder)
    text = text.replace("<", "\\u003C").replace(">", "\\u003E").replace("&", "\\u0026")
    return mark_safe(f'<script id="{escape(element_id)}" type="application/json">{text}</script>')  # noqa: S308
