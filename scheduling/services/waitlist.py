"""The waiting list: joining and leaving it, offering a freed time, and taking an offer.

- A registrar (or the patient in the portal) puts a patient on the list for a procedure at a
  location, optionally with one clinician, for some weekdays, a time window and a range of dates.
  An entry is for a patient with no active course of that procedure: an earlier start of a course
  already booked is the registrar moving it, as before.
- The services that free time (a cancelled or moved session, a cancelled course) call
  `waitlist_slots_freed`, which queues `scheduling.waitlist_offer` on commit, one per freed slot.
  `waitlist_offer_slot` finds the waiting entries that fit, in order of waiting, and asks the
  planner (course_preview, which asks the eligibility function) for a course whose first session
  starts exactly then with that clinician; a patient it cannot plan for is skipped, never offered.
- A cancelled session of a course under way waits for its own replacement (services.replacements):
  such entries are offered a fitting time before the patients waiting for a course.
- An offer that expires passes its time on: at its eta on a worker, and in any mode through the
  beat sweep `waitlist_offers_pass_on`, which claims each expired offer once (compare and swap).
- `waitlist_offer_accept` claims the offer with a compare-and-swap and books through course_book in
  the same transaction; the exclusion constraints have the last word, and a loser is told the time
  was taken and stays on the list.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import itertools
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Case, IntegerField, Q, Value, When
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from accounts.locations import user_works_at
from audit.models import Action
from audit.services import audit_record
from procedures.eligibility import ClinicalFacts, eligibility, load_clinical_facts_bulk

from ..locks import lock_location_schedule, lock_waitlist_offers
from ..models import (
    OfferStatus,
    Session,
    WaitlistEntry,
    WaitlistOffer,
    WaitlistStatus,
    WaitlistVia,
)
from ..planner import Plan, Rules, count_problems
from .common import BookingConflict, SessionSpec, eligibility_check, require
from .courses import active_course_problems, course_book, course_preview
from .freed import FreedSlot, queue_offers
from .replacements import replacement_book, replacement_plan

TOKEN_SALT = "scheduling.waitlist-offer"


def TAKEN_MESSAGE() -> str:
    return _("This time has just been taken, sorry: you stay on the waiting list.")


# ---------------------------------------------------------------- the link's token


def offer_token(offer: WaitlistOffer) -> str:
    """The offer's link token: an HMAC of its random salt under SECRET_KEY (the database keeps its hash)."""
    digest = salted_hmac(TOKEN_SALT, offer.salt, algorithm="sha256").digest()
    return base64.urlsafe_b64encode(digest).decode()[:22]  # 132 bits: short enough for an SMS


def offer_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# ---------------------------------------------------------------- joining and leaving


def _entry_problems(*, patient, procedure, location, clinician, sessions, earliest_on, latest_on, time_from, time_to):
    problems = list(active_course_problems(patient, procedure))
    if problems:
        problems = [
            _(
                "The patient already has an active course of %(procedure)s: the waiting list is for a course "
                "not yet booked. To start it earlier, move its sessions."
            )
            % {"procedure": procedure.name}
        ]
    problems += count_problems(Rules.of(procedure), sessions)
    if earliest_on < timezone.localdate(timezone=location.tz):
        problems.append(_("The first day is in the past."))
    if latest_on < earliest_on:
        problems.append(_("The last day must not be before the first."))
    if time_from and time_to and time_to <= time_from:
        problems.append(_("The end of the time window must be after its start."))
    if clinician is not None and not user_works_at(clinician, location):
        problems.append(_("This clinician does not work at this location."))
    return problems


def waitlist_entry_create(
    *,
    actor,
    patient,
    procedure,
    location,
    earliest_on: datetime.date,
    latest_on: datetime.date,
    clinician=None,
    weekdays: list[int] | None = None,
    time_from: datetime.time | None = None,
    time_to: datetime.time | None = None,
    sessions: int | None = None,
    via: str = WaitlistVia.DESK,
    request=None,
) -> WaitlistEntry:
    """Put a patient on the waiting list. From the desk a registrar of the location; from the portal the patient."""
    if via == WaitlistVia.PORTAL:
        if patient.user_id is None or patient.user_id != getattr(actor, "pk", None):
            raise PermissionDenied
    else:
        require(actor, "booking.manage")
        if not user_works_at(actor, location):
            raise PermissionDenied(_("You do not work at this location."))
    sessions = sessions or procedure.min_sessions
    weekdays = sorted(set(weekdays or []))
    problems = _entry_problems(
        patient=patient,
        procedure=procedure,
        location=location,
        clinician=clinician,
        sessions=sessions,
        earliest_on=earliest_on,
        latest_on=latest_on,
        time_from=time_from,
        time_to=time_to,
    )
    if problems:
        raise ValidationError([ValidationError(p, code="not_allowed") for p in problems])
    entry = WaitlistEntry(
        patient=patient,
        procedure=procedure,
        location=location,
        clinician=clinician,
        weekdays=weekdays,
        time_from=time_from,
        time_to=time_to,
        earliest_on=earliest_on,
        latest_on=latest_on,
        sessions=sessions,
        via=via,
        created_by=actor if via == WaitlistVia.DESK else None,
    )
    entry.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            entry.save()
            audit_record(
                request=request,
                actor=actor,
                action=Action.CREATE,
                patient=patient,
                record=entry,
                detail={"via": via, "procedure": procedure.pk, "location": location.pk},
            )
    except IntegrityError:
        raise ValidationError(
            _("The patient is already on the waiting list for this procedure."), code="already_waiting"
        ) from None
    return entry


@transaction.atomic
def waitlist_entry_withdraw(*, actor, entry: WaitlistEntry, request=None) -> WaitlistEntry:
    """Take an entry off the list (the registrar, or the patient for their own); its open offers close."""
    now = timezone.now()
    if not WaitlistEntry.objects.filter(pk=entry.pk, status=WaitlistStatus.WAITING).update(
        status=WaitlistStatus.WITHDRAWN, withdrawn_at=now
    ):
        raise ValidationError(_("This entry is no longer on the waiting list."), code="not_waiting")
    entry.offers.filter(status=OfferStatus.OFFERED).update(status=OfferStatus.CLOSED, answered_at=now)
    audit_record(
        request=request,
        actor=actor,
        action=Action.UPDATE,
        patient=entry.patient_id,
        record=entry,
        detail={"withdrawn": True},
    )
    entry.refresh_from_db()
    return entry


# ---------------------------------------------------------------- a freed time


def fitting_entries(*, location_id: int, procedure_id: int, clinician_id: int, start, end, tz):
    """Waiting entries this time fits, in order of waiting (weekday, window and dates in the location's zone)."""
    local_start, local_end = start.astimezone(tz), end.astimezone(tz)
    day = local_start.date()
    return (
        WaitlistEntry.objects.filter(
            status=WaitlistStatus.WAITING,
            location_id=location_id,
            procedure_id=procedure_id,
            earliest_on__lte=day,
            latest_on__gte=day,
        )
        .filter(Q(clinician__isnull=True) | Q(clinician_id=clinician_id))
        .filter(Q(weekdays=[]) | Q(weekdays__contains=[local_start.weekday()]))
        .filter(Q(time_from__isnull=True) | Q(time_from__lte=local_start.time()))
        .filter(Q(time_to__isnull=True) | Q(time_to__gte=local_end.time()))
        .exclude(offers__start=start, offers__clinician_id=clinician_id)  # offered this time once already
        .select_related("patient", "procedure", "location", "replaces__course__location", "replaces__course__patient")
        .select_related("replaces__course__procedure")
        .order_by(_REPLACEMENTS_FIRST, "created_at", "id")
    )


# A course's own replacement first, then the patients waiting for a course; each in order of waiting.
_REPLACEMENTS_FIRST = Case(When(replaces__isnull=False, then=Value(0)), default=Value(1), output_field=IntegerField())


def offer_plan(entry: WaitlistEntry, *, start, clinician_id, eligible: bool = False) -> Plan | None:
    """The course the planner proposes for this entry from this time, or None if it cannot start exactly then.

    For a course's own replacement: the one session that would replace the cancelled one then.
    `eligible`: the caller has asked the eligibility function about the first session already.
    """
    if entry.replaces_id is not None:
        return replacement_plan(entry, start=start, clinician_id=clinician_id)
    tz = entry.location.tz
    if not eligible and eligibility_check(entry.patient, entry.procedure, tz, course_start=start)(start):
        # Not eligible at the first session: the planner would refuse the course too. Asking the
        # eligibility function alone first is what keeps a long list cheap (see `make bench`).
        return None
    local = start.astimezone(tz)
    plan = course_preview(
        patient=entry.patient,
        procedure=entry.procedure,
        location=entry.location,
        count=entry.sessions,
        first_day=local.date(),
        preferred_time=local.time(),
        clinician_id=clinician_id,
    )
    if not (plan.bookable and plan.sessions):
        return None
    first = plan.sessions[0]
    if first.start != start or first.clinician_id != clinician_id:
        return None
    return plan


_CHUNK = 25  # entries read, and their clinical facts loaded, at a time: most slots fill from the first few


def _eligible_at(entries, start, tz):
    """The entries whose patient the eligibility function clears for a first session at `start`.

    Read lazily in chunks, with each chunk's clinical facts in one fixed set of queries: an
    ineligible patient costs no query of its own, and a slot filled early reads no further.
    """
    chunk = []
    for entry in itertools.chain(entries.iterator(chunk_size=_CHUNK), [None]):
        if entry is not None:
            chunk.append(entry)
            if len(chunk) < _CHUNK:
                continue
        facts = load_clinical_facts_bulk([e.patient_id for e in chunk])
        for ready in chunk:
            procedure = ready.procedure
            decision = eligibility(
                patient=ready.patient,
                procedure=procedure,
                when=start,
                facts=facts.get(ready.patient_id, ClinicalFacts((), ())),
                tz=tz,
                valid_at=start if procedure.records_cover_course else None,
            )
            if ready.replaces_id is not None or not decision.reasons:
                yield ready  # a replacement's eligibility is asked by its own planner, with its course's start
        chunk = []


def _offered_today(patient_id: int, now, tz) -> int:
    midnight = datetime.datetime.combine(timezone.localdate(now, timezone=tz), datetime.time(), tzinfo=tz)
    return WaitlistOffer.objects.filter(entry__patient_id=patient_id, created_at__gte=midnight).count()


def waitlist_offer_slot(
    *, session_id: int, location_id: int, procedure_id: int, clinician_id: int, start, end, now=None
) -> list[WaitlistOffer]:
    """Offer a freed time to the fitting, eligible waiting patients, in order, within the limits."""
    now = now or timezone.now()
    start = datetime.datetime.fromisoformat(start) if isinstance(start, str) else start
    end = datetime.datetime.fromisoformat(end) if isinstance(end, str) else end
    made = []
    with transaction.atomic():
        lock_waitlist_offers()
        WaitlistOffer.objects.filter(status=OfferStatus.OFFERED, expires_at__lte=now).update(status=OfferStatus.EXPIRED)
        # This look at the time passes on its expired offers: the sweep need not pass them on again.
        WaitlistOffer.objects.filter(
            start=start, clinician_id=clinician_id, status=OfferStatus.EXPIRED, passed_on_at__isnull=True
        ).update(passed_on_at=now)
        if start <= now:
            return []
        session = Session.objects.select_related("location").get(pk=session_id)
        room = (
            settings.WAITLIST_OFFERS_PER_SLOT
            - WaitlistOffer.objects.filter(start=start, clinician_id=clinician_id, status=OfferStatus.OFFERED).count()
        )
        tz = session.location.tz
        entries = fitting_entries(
            location_id=location_id, procedure_id=procedure_id, clinician_id=clinician_id, start=start, end=end, tz=tz
        )
        for entry in _eligible_at(entries, start, tz):
            if room <= 0:
                break
            if _offered_today(entry.patient_id, now, tz) >= settings.WAITLIST_OFFERS_PER_PATIENT_PER_DAY:
                continue
            if offer_plan(entry, start=start, clinician_id=clinician_id, eligible=True) is None:
                continue  # no course (or replacement) would plan from this time: never offered
            made.append(_offer_create(entry, session=session, start=start, end=end, clinician_id=clinician_id, now=now))
            room -= 1
        if made and made[0].expires_at < start:  # when these expire, the next in line may have the time
            slot = FreedSlot(session_id, location_id, procedure_id, clinician_id, start, end)
            transaction.on_commit(lambda: queue_offers(slot, eta=made[0].expires_at))
    return made


def _offer_create(entry, *, session, start, end, clinician_id, now) -> WaitlistOffer:
    salt = secrets.token_hex(16)
    offer = WaitlistOffer(
        entry=entry,
        start=start,
        end=end,
        clinician_id=clinician_id,
        freed_session=session,
        salt=salt,
        expires_at=min(now + datetime.timedelta(hours=settings.WAITLIST_OFFER_HOURS), start),
        created_at=now,
    )
    offer.token_hash = offer_token_hash(offer_token(offer))
    offer.save()
    audit_record(
        action=Action.CREATE,
        patient=entry.patient_id,
        record=offer,
        detail={"entry": entry.pk, "start": start.isoformat(), "clinician": clinician_id},
    )
    return offer


# ---------------------------------------------------------------- the patient's answer


def offer_get_by_token(token: str) -> WaitlistOffer | None:
    return (
        WaitlistOffer.objects.select_related("entry__patient", "entry__procedure", "entry__location", "clinician")
        .filter(token_hash=offer_token_hash(token or ""))
        .first()
    )


def offer_is_open(offer: WaitlistOffer, now=None) -> bool:
    return offer.status == OfferStatus.OFFERED and offer.expires_at > (now or timezone.now())


@dataclass
class OfferAnswer:
    booked: bool
    message: str
    course: object = None


def _closed_error(offer: WaitlistOffer, now) -> ValidationError:
    offer.refresh_from_db()
    if offer.status == OfferStatus.OFFERED and offer.expires_at <= now:
        WaitlistOffer.objects.filter(pk=offer.pk, status=OfferStatus.OFFERED).update(status=OfferStatus.EXPIRED)
        return ValidationError(_("This offer has expired: you stay on the waiting list."), code="expired")
    if offer.status == OfferStatus.EXPIRED:
        return ValidationError(_("This offer has expired: you stay on the waiting list."), code="expired")
    if offer.status in (OfferStatus.TAKEN, OfferStatus.CLOSED):
        return ValidationError(TAKEN_MESSAGE(), code="taken")
    return ValidationError(_("This offer has already been answered."), code="answered")


def waitlist_offer_accept(*, token: str, request=None, now=None) -> OfferAnswer:
    """Take the offered time: claim the offer (compare and swap), then book the course as planned now.

    A time booked by someone else meanwhile (BookingConflict, or the checks' ValidationError) marks
    the offer taken: the patient is told so and stays on the waiting list.
    """
    now = now or timezone.now()
    offer = offer_get_by_token(token)
    if offer is None:
        raise ValidationError(_("This link is not valid."), code="invalid")
    with transaction.atomic():
        # The location's booking lock first, as course_book takes it: closing the time's other offers
        # then never waits on a row another acceptance holds while that one waits for this lock.
        lock_location_schedule(offer.entry.location_id)
        claimed = WaitlistOffer.objects.filter(
            pk=offer.pk, status=OfferStatus.OFFERED, expires_at__gt=now, entry__status=WaitlistStatus.WAITING
        ).update(status=OfferStatus.ACCEPTED, answered_at=now)
        if claimed:
            offer.status = OfferStatus.ACCEPTED
            return _accepted(offer, request, now)
    raise _closed_error(offer, now)  # outside the transaction: an expired offer is recorded so


def _accepted(offer: WaitlistOffer, request, now) -> OfferAnswer:
    """Book the claimed offer's course, or record that the time was taken (in the caller's transaction)."""
    entry = offer.entry
    try:
        with transaction.atomic():
            course = _book(entry, offer, request)
    except (BookingConflict, ValidationError) as error:
        WaitlistOffer.objects.filter(pk=offer.pk).update(status=OfferStatus.TAKEN)
        audit_record(
            request=request,
            action=Action.UPDATE,
            patient=entry.patient_id,
            record=offer,
            detail={"taken": str(error)[:500]},
        )
        return OfferAnswer(False, TAKEN_MESSAGE())
    WaitlistEntry.objects.filter(pk=entry.pk).update(status=WaitlistStatus.BOOKED, course=course)
    WaitlistOffer.objects.filter(status=OfferStatus.OFFERED).filter(
        Q(entry=entry) | Q(start=offer.start, clinician_id=offer.clinician_id)
    ).update(status=OfferStatus.CLOSED, answered_at=now)
    audit_record(
        request=request,
        action=Action.UPDATE,
        patient=entry.patient_id,
        record=offer,
        detail={"accepted": True, "course": course.pk},
    )
    if entry.replaces_id is not None:
        return OfferAnswer(True, _("The session is booked in your course. See you soon!"), course)
    return OfferAnswer(True, _("The course is booked. See you soon!"), course)


def _book(entry: WaitlistEntry, offer: WaitlistOffer, request):
    plan = offer_plan(entry, start=offer.start, clinician_id=offer.clinician_id)
    if plan is None:
        raise ValidationError(_("The course can no longer start at this time."), code="not_bookable")
    if entry.replaces_id is not None:
        return replacement_book(entry, offer, plan, request)
    return course_book(
        actor=None,
        patient=entry.patient,
        procedure=entry.procedure,
        location=entry.location,
        specs=[SessionSpec(s.start, s.clinician_id, s.resource_ids) for s in plan.sessions],
        request=request,
        waitlist_offer=offer,
    )


def waitlist_offer_decline(*, token: str, request=None, now=None) -> WaitlistOffer:
    """The patient says no to this time; they stay on the list, and the time goes to the next in line."""
    now = now or timezone.now()
    offer = offer_get_by_token(token)
    if offer is None:
        raise ValidationError(_("This link is not valid."), code="invalid")
    with transaction.atomic():
        if WaitlistOffer.objects.filter(pk=offer.pk, status=OfferStatus.OFFERED, expires_at__gt=now).update(
            status=OfferStatus.DECLINED, answered_at=now
        ):
            return _declined(offer, request, now)
    raise _closed_error(offer, now)


def _declined(offer: WaitlistOffer, request, now) -> WaitlistOffer:
    audit_record(
        request=request, action=Action.UPDATE, patient=offer.entry.patient_id, record=offer, detail={"declined": True}
    )
    if offer.start > now:  # the next in line may have it
        slot = FreedSlot(
            offer.freed_session_id,
            offer.entry.location_id,
            offer.entry.procedure_id,
            offer.clinician_id,
            offer.start,
            offer.end,
        )
        transaction.on_commit(lambda: queue_offers(slot))
    offer.refresh_from_db()
    return offer


# ---------------------------------------------------------------- expired offers: the sweep


def waitlist_offers_pass_on(*, now=None, limit: int = 500) -> int:
    """The beat sweep: each still-future time whose offers expired goes to the next in line, once.

    Works without a worker's eta (inline mode, a lost task). Each slot's expired offers are claimed
    with a compare-and-swap on `passed_on_at` in the transaction that makes the new offers, so two
    sweeps, or a sweep run twice, pass a time on once. A booked time gets no offers: the planner
    cannot place it. Returns the number of offers made.
    """
    now = now or timezone.now()
    WaitlistOffer.objects.filter(status=OfferStatus.OFFERED, expires_at__lte=now).update(status=OfferStatus.EXPIRED)
    due = (
        WaitlistOffer.objects.filter(status=OfferStatus.EXPIRED, passed_on_at__isnull=True, start__gt=now)
        .select_related("entry")
        .order_by("start", "id")[:limit]
    )
    slots: dict[tuple, tuple[FreedSlot, list[int]]] = {}
    for offer in due:
        key = (offer.start, offer.clinician_id)
        slot = FreedSlot(
            offer.freed_session_id,
            offer.entry.location_id,
            offer.entry.procedure_id,
            offer.clinician_id,
            offer.start,
            offer.end,
        )
        slots.setdefault(key, (slot, []))[1].append(offer.pk)
    made = 0
    for slot, ids in slots.values():
        with transaction.atomic():
            if not WaitlistOffer.objects.filter(pk__in=ids, passed_on_at__isnull=True).update(passed_on_at=now):
                continue  # another sweep, or the slot's own eta task, passed it on first
            if WaitlistOffer.objects.filter(
                start=slot.start, clinician_id=slot.clinician_id, status=OfferStatus.ACCEPTED
            ).exists():
                continue  # taken from the list: booked
            made += len(waitlist_offer_slot(**_slot_kwargs(slot), now=now))
    return made


def _slot_kwargs(slot: FreedSlot) -> dict:
    return {
        "session_id": slot.session_id,
        "location_id": slot.location_id,
        "procedure_id": slot.procedure_id,
        "clinician_id": slot.clinician_id,
        "start": slot.start,
        "end": slot.end,
    }
