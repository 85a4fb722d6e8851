"""Liquid nitrogen: every dewar's forecast at a glance, and one dewar's days, readings and actual use."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from core.forms import apply_service_error
from core.policy import allowed, permission_required

from .dewar_forms import NitrogenReadingForm
from .dewars import dewar_get_for_user, dewar_history, dewar_states, dewars_for_user, unmeasured_procedures
from .services.dewars import nitrogen_reading_record

CHART_W, CHART_H, PAD = 600, 160, 4


def level_chart(state) -> dict | None:
    """The forecast as SVG coordinates: the level line, the reserve line, and the day a refill is due."""
    forecast = state.forecast
    if forecast is None or not forecast.days:
        return None
    top = max(state.dewar.capacity_litres, state.reading.litres)
    step = (CHART_W - 2 * PAD) / max(len(forecast.days), 1)

    def y(value: Decimal) -> float:
        clipped = max(min(value, top), Decimal(0))
        return round(PAD + float((top - clipped) / top) * (CHART_H - 2 * PAD), 1)

    points = [(PAD, y(state.reading.litres))] + [
        (round(PAD + step * (i + 1), 1), y(day.level)) for i, day in enumerate(forecast.days)
    ]
    bars = [
        {"x": round(PAD + step * i, 1), "w": round(step, 1), "dry": d.dry, "under": d.under_reserve}
        for i, d in enumerate(forecast.days)
    ]
    return {
        "w": CHART_W,
        "h": CHART_H,
        "points": " ".join(f"{x},{yy}" for x, yy in points),
        "reserve_y": y(state.dewar.reserve_litres),
        "bars": [b for b in bars if b["under"]],
    }


@permission_required("nitrogen.view")
def nitrogen_view(request):
    states = dewar_states(dewars_for_user(request.user))
    rows = [{"state": s, "chart": level_chart(s)} for s in states]
    unmeasured = unmeasured_procedures([s.dewar for s in states])
    return render(request, "scheduling/nitrogen.html", {"rows": rows, "unmeasured": unmeasured})


@permission_required("nitrogen.view")
@require_http_methods(["GET", "POST"])
def dewar_view(request, pk: int):
    dewar = dewar_get_for_user(request.user, pk)
    can_record = allowed(request.user, "nitrogen.record")
    form = NitrogenReadingForm(request.POST or None) if can_record else None
    if request.method == "POST":
        if not can_record:
            raise PermissionDenied
        if form.is_valid():
            try:
                nitrogen_reading_record(
                    actor=request.user,
                    request=request,
                    dewar=dewar,
                    kind=form.cleaned_data["kind"],
                    litres=form.cleaned_data["litres"],
                    weight_kg=form.cleaned_data["weight_kg"],
                    measured_at=form.cleaned_data["measured_at"],
                    note=form.cleaned_data["note"],
                )
            except ValidationError as error:
                apply_service_error(form, error)
            else:
                messages.success(request, _("The reading is recorded; the forecast starts from it."))
                return redirect("scheduling:dewar", pk=dewar.pk)
    state = dewar_states([dewar])[0]
    readings, periods = dewar_history(dewar)
    context = {
        "dewar": dewar,
        "state": state,
        "chart": level_chart(state),
        "form": form,
        "readings": readings,
        "periods": periods,
    }
    with timezone.override(dewar.resource.location.tz):
        return render(
            request, "scheduling/dewar.html", context, status=400 if form is not None and form.errors else 200
        )
