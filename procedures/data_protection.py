"""The clinical records of one patient, for an export. They are never erased (medical-records law)."""

from __future__ import annotations

from patients.data_protection import when

from .models import IceTest, Screening


def clinical_records_export(patient) -> dict:
    screenings = (
        Screening.objects.filter(patient=patient)
        .select_related("signed_by")
        .prefetch_related("procedures", "indications", "answers__contraindication")
        .order_by("examined_at", "version")
    )
    ice_tests = IceTest.objects.filter(patient=patient).select_related("signed_by").order_by("performed_at", "version")
    return {
        "screenings": [_screening(s) for s in screenings],
        "ice_tests": [_ice_test(t) for t in ice_tests],
    }


def _screening(s) -> dict:
    return {
        "id": s.pk,
        "version": s.version,
        "amendment_reason": s.amendment_reason,
        "examined_at": when(s.examined_at),
        "signed_by": str(s.signed_by),
        "signed_at": when(s.signed_at),
        "procedures": [p.slug for p in s.procedures.all()],
        "indications": [i.slug for i in s.indications.all()],
        "complaints": s.complaints,
        "scalp_notes": s.scalp_notes,
        "fitzpatrick": s.fitzpatrick,
        "cleared": s.cleared,
        "answers": [
            {
                "contraindication": a.contraindication.slug,
                "severity": a.severity,
                "present": a.present,
                "override_reason": a.override_reason,
            }
            for a in s.answers.all()
        ],
    }


def _ice_test(t) -> dict:
    return {
        "id": t.pk,
        "version": t.version,
        "amendment_reason": t.amendment_reason,
        "performed_at": when(t.performed_at),
        "signed_by": str(t.signed_by),
        "area": t.area,
        "exposure_seconds": t.exposure_seconds,
        "discomfort": t.discomfort,
        "redness": t.redness,
        "itching": t.itching,
        "other_reaction": t.other_reaction,
        "passed": t.passed,
    }
