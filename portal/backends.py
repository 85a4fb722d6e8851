from django.contrib.auth.backends import ModelBackend

from accounts.models import User


class PatientContactBackend(ModelBackend):
    """Patients sign in with the phone number or email the clinic has on their record."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if not username or password is None:
            return None
        from .services import find_patient_by_contact

        patient, _channel = find_patient_by_contact(username)
        user = patient.user if patient is not None and patient.user_id else None
        if user is None:
            User().set_password(password)  # spend the same time as a real check
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
