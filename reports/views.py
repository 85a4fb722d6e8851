"""The reports page (every report, the filter form above) and each report's CSV and XLSX download."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from accounts.locations import locations_of, refuse_other_location
from audit.models import Action
from audit.services import audit_record
from core.policy import permission_required

from .charts import bar_chart
from .exports import XLSX_TYPE, report_csv, report_xlsx
from .filters import ReportFilter, ReportFilterForm
from .selectors import REPORTS, report_build

PAGE_ROWS = 200  # a table's rows on the page; its download has every row


def audit_report_read(request, names, f: ReportFilter) -> None:
    """One event per page, download or API answer: which reports, over which range and locations."""
    audit_record(
        request=request,
        action=Action.VIEW_LIST,
        record_type="reports.report",
        detail={
            "path": request.path[:300],
            "reports": list(names),
            "first": f.first.isoformat(),
            "last": f.last.isoformat(),
            "locations": f.location_ids,
            "clinician": f.clinician_id,
            "procedure": f.procedure_id,
        },
    )


def _form(request) -> ReportFilterForm:
    locations = locations_of(request.user)
    refuse_other_location(request, locations)
    return ReportFilterForm(request.GET, locations=locations)


def _chart(table):
    if not table.chart_value:
        return None
    caption = next(str(c.label) for c in table.columns if c.key == table.chart_value)
    return bar_chart(table.rows, label=table.chart_label, value=table.chart_value, caption=caption)


@permission_required("reports.view")
def reports_view(request):
    form = _form(request)
    if not form.locations:
        return render(request, "reports/index.html", {"form": form, "no_locations": True})
    if not form.is_valid():
        return render(request, "reports/index.html", {"form": form}, status=400)
    f = form.report_filter()
    form.show_range()
    reports = [report_build(name, f) for name in REPORTS]
    for report in reports:
        for table in report.tables:
            table.chart = _chart(table)
    audit_report_read(request, REPORTS, f)
    query = request.GET.urlencode()
    return render(
        request,
        "reports/index.html",
        {"form": form, "filter": f, "reports": reports, "query": query, "page_rows": PAGE_ROWS},
    )


@permission_required("reports.view")
def report_export_view(request, name: str, fmt: str):
    if name not in REPORTS or fmt not in ("csv", "xlsx"):
        raise Http404
    form = _form(request)
    if not form.locations or not form.is_valid():
        problems = [str(e) for errors in form.errors.values() for e in errors] or [_("You work at no location.")]
        return HttpResponse("\n".join(problems), status=400, content_type="text/plain; charset=utf-8")
    f = form.report_filter()
    report = report_build(name, f)
    audit_report_read(request, [name], f)
    filename = f"{name}-{f.first.isoformat()}-{f.last.isoformat()}.{fmt}"
    if fmt == "csv":
        response = HttpResponse("\ufeff" + report_csv(report), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(report_xlsx(report), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
