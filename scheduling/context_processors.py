from .models import BookingRequestStatus, CourseStatus, SessionStatus


def statuses(request) -> dict:
    """The status choices, so that templates compare with SessionStatus.SCHEDULED, never a typed "scheduled"."""
    return {"SessionStatus": SessionStatus, "CourseStatus": CourseStatus, "BookingRequestStatus": BookingRequestStatus}
