"""{% course_results course sessions %} on the course page: its checks and the buttons to record the next,
for clinicians (results.view); nothing at all for anyone else. The final check is offered prominently
once the course is completed or all its sessions are done, quietly once a session is done, not before."""

from django import template

from audit.services import audit_list_read
from core.policy import allowed
from scheduling.models import CourseStatus, SessionStatus

from ..models import CheckKind, Checkpoint
from ..selectors import checks_of_course, current_trichoscopy
from ..validation import final_check_possible

register = template.Library()


@register.inclusion_tag("results/_course_results.html", takes_context=True)
def course_results(context, course, sessions=None):
    """Five queries (checks, versions, figures, zones, photos), one for the checkpoints, one audit row."""
    request = context["request"]
    if not allowed(request.user, "results.view"):
        return {"show": False}
    checks = checks_of_course(course)
    for check in checks:
        check.current = current_trichoscopy(check)
    audit_list_read(
        request=request, record_type="results.check", ids=[c.pk for c in checks], patient_ids=[course.patient_id]
    )
    kinds = {c.kind for c in checks}
    taken_checkpoints = {c.after_session for c in checks if c.kind == CheckKind.CHECKPOINT}
    points = Checkpoint.objects.filter(procedure_id=course.procedure_id).values_list("after_session", flat=True)
    completed = sum(1 for s in sessions or () if s.status == SessionStatus.COMPLETED)
    done = course.status == CourseStatus.COMPLETED or completed >= course.session_count
    can_record = allowed(request.user, "results.record")
    final_open = can_record and CheckKind.FINAL not in kinds
    final_possible = final_check_possible(
        course_cancelled=course.status == CourseStatus.CANCELLED, completed_sessions=completed
    )
    return {
        "show": True,
        "course": course,
        "checks": checks,
        "offer_baseline": can_record and CheckKind.BASELINE not in kinds,
        "open_checkpoints": [
            n for n in points if can_record and n <= course.session_count and n not in taken_checkpoints
        ],
        "final_open": final_open and (done or final_possible),
        "offer_final": final_open and done,
    }
