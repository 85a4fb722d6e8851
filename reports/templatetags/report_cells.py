from django import template
from django.template.defaultfilters import floatformat

from core.dates import short_date

register = template.Library()


@register.filter
def report_cell(row: dict, column) -> str:
    """A table cell as the page shows it: by the column's kind, in the reader's language."""
    value = column.shown(row.get(column.key))
    if value is None or value == "":
        return "—" if column.kind != "text" else ""
    if column.kind == "date":
        return short_date(value, year=True)
    if column.kind == "money":
        return floatformat(value, "2g")
    if column.kind == "percent":
        return floatformat(value, 1)
    if column.kind == "int":
        return floatformat(value, "0g")
    return str(value)  # text, and a choice's label
