from django.contrib.auth.backends import ModelBackend

from accounts.models import User

from .services import find_patients_by_contact


class PatientContactBackend(ModelBackend):
    """Patients sign in with the phone number or email the clinic has on their record."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if not username or password is None:
            return None

        patients, _channel = find_patients_by_contact(username)
        users = [p.user for p in patients if p.user_id]
        if not users:
            User().set_password(password)  # spend the same time as a real check
            return None
        for user in users:  # a shared phone: the password says which of them is signing in
            if user.check_password(password) and self.user_can_authenticate(user):
                return user
        return None
