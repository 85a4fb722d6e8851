"""GET /api/v1/reports/<name>/: one report's tables as JSON, with the page's filters.

The filters are the page's form (reports.filters): a bad one answers 400 with the field's code
(reversed_range, range_too_long, invalid_choice ...), another location 403, as the calendar API does.
Each report's answer is typed in the OpenAPI schema from its columns (reports.selectors.COLUMNS).
"""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, PolymorphicProxySerializer, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.locations import locations_of, refuse_other_location
from core.policy import api_permission

from .filters import PERIODS, ReportFilterForm
from .selectors import COLUMNS, REPORTS, report_build
from .views import audit_report_read

FIELDS = {
    "text": lambda: serializers.CharField(allow_blank=True),
    "int": lambda: serializers.IntegerField(),
    "date": lambda: serializers.DateField(),
    "percent": lambda: serializers.FloatField(
        allow_null=True, help_text="Per cent, one decimal; null: nothing to divide by."
    ),
    "money": lambda: serializers.DecimalField(max_digits=14, decimal_places=2, help_text="Roubles."),
}


def _camel(text: str) -> str:
    return "".join(part.capitalize() for part in text.split("_"))


def _row_serializer(report: str, table: str, columns) -> type[serializers.Serializer]:
    fields = {
        c.key: serializers.ChoiceField(choices=list(c.choices)) if c.kind == "choice" else FIELDS[c.kind]()
        for c in columns
    }
    return type(f"Report{_camel(report)}{_camel(table)}Row", (serializers.Serializer,), fields)


def _report_serializer(name: str) -> type[serializers.Serializer]:
    tables = {key: _row_serializer(name, key, columns)(many=True) for key, columns in COLUMNS[name].items()}
    fields = {
        "report": serializers.ChoiceField(choices=[name]),
        "first_day": serializers.DateField(),
        "last_day": serializers.DateField(help_text="Included."),
        "locations": serializers.ListField(child=serializers.IntegerField()),
        "tables": type(f"Report{_camel(name)}Tables", (serializers.Serializer,), tables)(),
    }
    return type(f"Report{_camel(name)}", (serializers.Serializer,), fields)


SERIALIZERS = {name: _report_serializer(name) for name in REPORTS}


class ReportApi(APIView):
    permission_classes = [api_permission("reports.view")]

    @extend_schema(
        operation_id="reports_retrieve",
        description="One report (name: " + ", ".join(REPORTS) + "). Dates are days on each location's clock.",
        parameters=[
            OpenApiParameter("name", str, OpenApiParameter.PATH, enum=list(REPORTS)),
            OpenApiParameter("date_from", datetime.date, description="Default: the first of the current month."),
            OpenApiParameter("date_to", datetime.date, description="Included; at most 366 days after date_from."),
            OpenApiParameter("location", int, description="One of the caller's locations; default: all of them."),
            OpenApiParameter("clinician", int),
            OpenApiParameter("procedure", int),
            OpenApiParameter("period", str, enum=[key for key, _label in PERIODS], description="Utilisation rows."),
        ],
        responses={
            200: PolymorphicProxySerializer(
                component_name="Report", serializers=SERIALIZERS, resource_type_field_name="report"
            )
        },
    )
    def get(self, request, name: str):
        if name not in REPORTS:
            raise Http404
        locations = locations_of(request.user)
        refuse_other_location(request, locations)
        if not locations:
            raise PermissionDenied(_("You work at no location."))
        form = ReportFilterForm(request.query_params, locations=locations)
        if not form.is_valid():
            raise ValidationError(form.errors.as_data())
        f = form.report_filter()
        report = report_build(name, f)
        audit_report_read(request, [name], f)
        body = {
            "report": name,
            "first_day": f.first,
            "last_day": f.last,
            "locations": f.location_ids,
            "tables": {table.key: table.rows for table in report.tables},
        }
        return Response(SERIALIZERS[name](body).data)
