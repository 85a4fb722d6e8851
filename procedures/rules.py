"""The eligibility decision, given the facts. Pure: no database, no clock.

The one place where the clinic's gate lives: `decide()` answers whether a procedure may be
done at a moment, and why not. procedures.eligibility gathers the facts and calls it.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.dates import long_date

from .models import FitzpatrickType, Severity


@dataclass(frozen=True)
class ProcedureFacts:
    id: int
    name: str
    active: bool
    requires_ice_test: bool
    screening_valid_days: int
    ice_test_valid_days: int
    ice_test_min_hours_before: int
    consent_required: str = ""  # consents.models.Requirement: "", "booking" or "session"
    phototype_warning_from: int | None = None  # a FitzpatrickType; None: no warning


@dataclass(frozen=True)
class ScreeningFacts:
    examined_at: datetime.datetime
    procedure_ids: frozenset[int]
    absolute_present: tuple[str, ...] = ()
    relative_present_not_cleared: tuple[str, ...] = ()
    fitzpatrick: int | None = None


@dataclass(frozen=True)
class IceTestFacts:
    performed_at: datetime.datetime
    passed: bool


@dataclass(frozen=True)
class ConsentFacts:
    """The patient's consent to the procedure as it stands: signed, refused, withdrawn, or outdated
    (signed under a version older than one that asked for a new signature)."""

    state: str
    at: datetime.datetime


# What the gate is asked for: booking (the planner, a booking, a move) or doing the session (its
# outcome, the worklist and course warnings). A consent needed "before the first session" blocks only
# the latter; one needed "before booking" blocks both.
BOOKING, SESSION = "booking", "session"
CONSENT_CODES = frozenset({"consent_missing", "consent_refused", "consent_withdrawn", "consent_outdated"})


@dataclass(frozen=True)
class Reason:
    code: str
    message: str

    def __str__(self):
        return self.message


@dataclass(frozen=True)
class Decision:
    """`reasons` block; `warnings` do not (the clinician is told, the booking goes ahead)."""

    eligible: bool
    reasons: tuple[Reason, ...] = field(default_factory=tuple)
    warnings: tuple[Reason, ...] = field(default_factory=tuple)

    def as_dict(self) -> dict:
        return {
            "eligible": self.eligible,
            "reasons": [r.message for r in self.reasons],
            "codes": [r.code for r in self.reasons],
            "warnings": [r.message for r in self.warnings],
            "warning_codes": [r.code for r in self.warnings],
        }


def _day(moment: datetime.datetime, tz) -> datetime.date:
    return moment.astimezone(tz).date()


def _fmt(moment: datetime.datetime, tz) -> str:
    # "12 November 2026" in English, "12 ноября 2026" in Russian: core.dates, the one style.
    return long_date(_day(moment, tz))


def _screening_reasons(procedure, screening, when, tz, valid_at) -> list[Reason]:
    days = procedure.screening_valid_days
    if screening is None:
        message = ngettext(
            "No signed screening in the last %(days)d day", "No signed screening in the last %(days)d days", days
        )
        return [Reason("no_screening", message % {"days": days})]
    age = (_day(valid_at, tz) - _day(screening.examined_at, tz)).days
    if age > days:
        return [
            Reason(
                "screening_expired",
                ngettext(
                    "No signed screening valid on %(date)s: the last, on %(last)s, is valid for %(days)d day",
                    "No signed screening valid on %(date)s: the last, on %(last)s, is valid for %(days)d days",
                    days,
                )
                % {"date": _fmt(when, tz), "last": _fmt(screening.examined_at, tz), "days": days},
            )
        ]
    reasons = [
        Reason("contraindication", _("Contraindication present: %(name)s") % {"name": name})
        for name in screening.absolute_present
    ]
    reasons += [
        Reason(
            "contraindication_not_cleared",
            _("Contraindication present: %(name)s (not cleared by the clinician)") % {"name": name},
        )
        for name in screening.relative_present_not_cleared
    ]
    return reasons


def _ice_test_reasons(procedure, ice_test, when, tz, valid_at) -> list[Reason]:
    if not procedure.requires_ice_test:
        return []
    if ice_test is None:
        return [Reason("no_ice_test", _("No ice test on record"))]
    if not ice_test.passed:
        return [Reason("ice_test_failed", _("Ice test failed on %(date)s") % {"date": _fmt(ice_test.performed_at, tz)})]
    age = (_day(valid_at, tz) - _day(ice_test.performed_at, tz)).days
    if age > procedure.ice_test_valid_days:
        return [
            Reason(
                "ice_test_expired",
                ngettext(
                    "The ice test of %(last)s is not valid on %(date)s: an ice test is valid for %(days)d day",
                    "The ice test of %(last)s is not valid on %(date)s: an ice test is valid for %(days)d days",
                    procedure.ice_test_valid_days,
                )
                % {
                    "last": _fmt(ice_test.performed_at, tz),
                    "date": _fmt(when, tz),
                    "days": procedure.ice_test_valid_days,
                },
            )
        ]
    hours = procedure.ice_test_min_hours_before
    if when - ice_test.performed_at < datetime.timedelta(hours=hours):
        return [
            Reason(
                "ice_test_too_recent",
                ngettext(
                    "The ice test must be at least %(hours)d hour before the first session",
                    "The ice test must be at least %(hours)d hours before the first session",
                    hours,
                )
                % {"hours": hours},
            )
        ]
    return []


def _consent_reasons(procedure, consent, tz, stage) -> list[Reason]:
    if not procedure.consent_required:
        return []
    name = {"name": procedure.name}
    if consent is not None and consent.state == "signed":
        return []
    if consent is not None and consent.state == "refused":  # a refusal blocks like a contraindication
        return [
            Reason(
                "consent_refused",
                _("The patient refused consent to %(name)s on %(date)s") % {**name, "date": _fmt(consent.at, tz)},
            )
        ]
    if stage != SESSION and procedure.consent_required != "booking":
        return []  # needed before the first session: booking may go ahead
    if consent is None:
        return [Reason("consent_missing", _("Consent missing: %(name)s") % name)]
    if consent.state == "withdrawn":
        return [
            Reason(
                "consent_withdrawn",
                _("Consent to %(name)s was withdrawn on %(date)s") % {**name, "date": _fmt(consent.at, tz)},
            )
        ]
    return [
        Reason("consent_outdated", _("The consent form for %(name)s has changed: a new signature is needed") % name)
    ]


def phototype_warnings(procedure: ProcedureFacts, screening: ScreeningFacts | None) -> list[Reason]:
    """A darker phototype than the procedure's threshold: a higher risk of pigmentation (DOMAIN.md)."""
    threshold = procedure.phototype_warning_from
    if threshold is None or screening is None or screening.fitzpatrick is None or screening.fitzpatrick < threshold:
        return []
    message = _("Phototype %(type)s: higher risk of pigmentation — avoid overcooling, advise strict sun protection")
    return [Reason("phototype_pigmentation_risk", message % {"type": FitzpatrickType(screening.fitzpatrick).label})]


def decide(
    *,
    procedure: ProcedureFacts,
    screening: ScreeningFacts | None,
    ice_test: IceTestFacts | None,
    when: datetime.datetime,
    tz,
    valid_at: datetime.datetime | None = None,
    consent: ConsentFacts | None = None,
    stage: str = BOOKING,
) -> Decision:
    """May the procedure be done at `when` (aware), given the patient's latest records before it?

    Validity periods are counted up to `valid_at` when given (a course covered by its first session's
    records), else up to `when`. `consent` is the patient's consent to the procedure as it stands now;
    `stage` says whether booking (BOOKING) or doing the session (SESSION) is asked about.
    """
    reasons: list[Reason] = []
    if not procedure.active:
        reasons.append(Reason("procedure_inactive", _("%(name)s is not offered at present") % {"name": procedure.name}))
    valid_at = valid_at or when
    screening_reasons = _screening_reasons(procedure, screening, when, tz, valid_at)
    reasons += screening_reasons
    reasons += _ice_test_reasons(procedure, ice_test, when, tz, valid_at)
    reasons += _consent_reasons(procedure, consent, tz, stage)
    # The phototype of a screening that counts: none when there is none, or it has lapsed.
    lapsed = any(r.code in ("no_screening", "screening_expired") for r in screening_reasons)
    warnings = [] if lapsed else phototype_warnings(procedure, screening)
    return Decision(eligible=not reasons, reasons=tuple(reasons), warnings=tuple(warnings))


# The treatment post-procedure cryotherapy follows (a Course's preceding_*), checked at booking.
def healing_phase_end(treatment_day: datetime.date, days: int) -> datetime.date:
    """The last day of the healing phase: the treatment's day plus the procedure's days."""
    return treatment_day + datetime.timedelta(days=days)


def preceding_treatment_problems(
    *,
    kind: str,
    other: str,
    day: datetime.date | None,
    first_day: datetime.date | None,
    today: datetime.date,
) -> list[Reason]:
    """Why the treatment a course follows cannot be taken as given (all days local to the location).

    Cold may be applied the day of the treatment itself, so the first session may fall on that day.
    """
    if not kind or day is None:
        return [
            Reason(
                "preceding_treatment_required",
                _("Give the laser, peel or microdermabrasion this course follows: its kind and date."),
            )
        ]
    problems = []
    if kind == "other" and not other.strip():
        problems.append(Reason("preceding_treatment_unnamed", _("Say which treatment the course follows.")))
    if day > today:
        problems.append(
            Reason(
                "preceding_treatment_in_future",
                _("The treatment it follows cannot be in the future (%(date)s).") % {"date": long_date(day)},
            )
        )
    elif first_day is not None and day > first_day:
        problems.append(
            Reason(
                "preceding_treatment_after_first_session",
                _("The treatment it follows (%(date)s) is after the first session (%(first)s).")
                % {"date": long_date(day), "first": long_date(first_day)},
            )
        )
    return problems


def outside_healing_phase(*, treatment_day: datetime.date, days: int, first_day: datetime.date) -> Reason | None:
    """A first session after the healing phase: allowed, but only once the administrator confirms it."""
    until = healing_phase_end(treatment_day, days)
    if first_day <= until:
        return None
    return Reason(
        "outside_healing_phase",
        _("The first session (%(first)s) is after the healing phase, which ends on %(until)s.")
        % {"first": long_date(first_day), "until": long_date(until)},
    )


def screening_outcome(answers: list[tuple[str, bool, str]]) -> bool:
    """Cleared unless an absolute contraindication is present or a relative one is present without a reason.

    `answers` holds (severity, present, override_reason) for each contraindication asked.
    """
    for severity, present, reason in answers:
        if present and (severity == Severity.ABSOLUTE or not reason.strip()):
            return False
    return True
