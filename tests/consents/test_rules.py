"""The consent fact in the pure eligibility decision: no database."""

import dataclasses

from procedures.rules import BOOKING, SESSION, ConsentFacts, decide

from ..procedures.test_rules import CRYO, MSK, iced, screened
from ..procedures.test_rules import SESSION as WHEN


def _codes(required: str, consent: ConsentFacts | None, stage: str) -> list[str]:
    procedure = dataclasses.replace(CRYO, consent_required=required)
    decision = decide(
        procedure=procedure, screening=screened(), ice_test=iced(), when=WHEN, tz=MSK, consent=consent, stage=stage
    )
    return [r.code for r in decision.reasons]


def test_without_consent_booking_is_refused_only_where_it_is_needed_before_booking():
    answers = {
        required: [_codes(required, None, stage) for stage in (BOOKING, SESSION)]
        for required in ("booking", "session", "")
    }
    assert answers == {
        "booking": [["consent_missing"], ["consent_missing"]],
        "session": [[], ["consent_missing"]],
        "": [[], []],
    }


def test_a_refusal_blocks_like_a_contraindication_at_every_stage():
    refused = ConsentFacts(state="refused", at=WHEN)
    assert _codes("session", refused, BOOKING) == _codes("session", refused, SESSION) == ["consent_refused"]


def test_a_signed_consent_clears_the_gate_and_a_withdrawn_or_outdated_one_does_not():
    assert _codes("booking", ConsentFacts(state="signed", at=WHEN), BOOKING) == []
    assert _codes("booking", ConsentFacts(state="withdrawn", at=WHEN), BOOKING) == ["consent_withdrawn"]
    assert _codes("booking", ConsentFacts(state="outdated", at=WHEN), SESSION) == ["consent_outdated"]


def test_while_the_clinic_has_not_turned_consent_on_for_a_procedure_the_gate_does_not_read_it():
    assert _codes("", ConsentFacts(state="refused", at=WHEN), SESSION) == []
