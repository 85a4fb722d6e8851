"""The only doors for booking, moving, cancelling and recording sessions, by topic.

Each write checks first, for a kind message, then lets PostgreSQL's exclusion constraints have the
last word: a clash that slips past the checks (two registrars at once) becomes BookingConflict.
"""

from .closures import closure_affected_sessions, closure_replan, closure_replan_preview, fingerprint
from .combined import combined_order
from .common import BookingConflict, SessionSpec
from .courses import active_course_problems, course_book, course_cancel, course_preview
from .moves import MoveProposal, gap_problems, session_move, session_move_proposal
from .notes import current_note, session_note_amend, session_note_sign
from .reports import (
    report_problems,
    warning_report_create,
    warning_report_record_action,
)
from .requests import booking_request_close, booking_request_submit
from .sessions import (
    can_change_online,
    can_correct_outcome,
    cancel_deadline,
    correction_deadline,
    session_cancel,
    session_cancel_by_patient,
    session_confirm_by_patient,
    session_correct_outcome,
    session_record_outcome,
    session_replace,
)
from .skin_treatment import PrecedingTreatment

__all__ = [
    "BookingConflict",
    "MoveProposal",
    "PrecedingTreatment",
    "SessionSpec",
    "active_course_problems",
    "booking_request_close",
    "booking_request_submit",
    "can_change_online",
    "can_correct_outcome",
    "cancel_deadline",
    "closure_affected_sessions",
    "closure_replan",
    "closure_replan_preview",
    "combined_order",
    "correction_deadline",
    "course_book",
    "course_cancel",
    "course_preview",
    "current_note",
    "fingerprint",
    "gap_problems",
    "report_problems",
    "session_cancel",
    "session_cancel_by_patient",
    "session_confirm_by_patient",
    "session_correct_outcome",
    "session_move",
    "session_move_proposal",
    "session_note_amend",
    "session_note_sign",
    "session_record_outcome",
    "session_replace",
    "warning_report_create",
    "warning_report_record_action",
]
