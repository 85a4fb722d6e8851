"""Who the clinic is, as patients and staff read it: its name, phone, e-mail, privacy policy and logo.

One home for the clinic's identity: page titles and the header, the public request form, the
signature of every e-mail and SMS. Set by the environment (CLINIC_NAME and friends); a branch's own
address and phone live on its Location.
"""

from __future__ import annotations

import dataclasses

from django.conf import settings
from django.utils.translation import get_language


@dataclasses.dataclass(frozen=True)
class Clinic:
    name: str
    phone: str
    email: str
    privacy_url: str
    logo: str  # a path under static/, or ""


def clinic() -> Clinic:
    """The clinic's identity in the active language (English falls back to the Russian name)."""
    english = (get_language() or "").startswith("en")
    name = (settings.CLINIC_NAME_EN if english else "") or settings.CLINIC_NAME
    return Clinic(
        name=name,
        phone=settings.CLINIC_PHONE,
        email=settings.CLINIC_EMAIL,
        privacy_url=settings.CLINIC_PRIVACY_URL,
        logo=settings.CLINIC_LOGO,
    )


def context(request) -> dict:
    """Template context: `clinic` (name, phone, email, privacy_url, logo)."""
    return {"clinic": clinic()}
