"""A patient's consents, for an export. They are evidence kept with the medical record: never
erased (an anonymised patient's signed forms stay, tied to nobody nameable through the patient row)."""

from __future__ import annotations

from patients.data_protection import when

from .models import Consent


def consents_export(patient) -> dict:
    consents = (
        Consent.objects.filter(patient=patient)
        .select_related("version", "witness", "withdrawal")
        .defer("signature_png")
        .order_by("signed_at", "id")
    )
    return {
        "consents": [
            {
                "id": c.pk,
                "title": c.title,
                "version": c.version.number,
                "decision": c.decision,
                "method": c.method,
                "language": c.language,
                "signed_at": when(c.signed_at),
                "text_sha256": c.text_sha256,
                "text": c.text,
                "typed_name": c.typed_name,
                "witness": str(c.witness) if c.witness_id else "",
                "ip": c.ip,
                "withdrawn_at": when(c.withdrawal.at) if getattr(c, "withdrawal", None) else None,
            }
            for c in consents
        ]
    }
