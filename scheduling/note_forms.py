"""The session-note form: what was done, how the patient reacted; a correction's reason."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import SessionNote, SessionStatus


class SessionNoteForm(forms.ModelForm):
    complete = forms.BooleanField(label=_("Mark the session completed"), required=False, initial=True)
    amendment_reason = forms.CharField(
        label=_("Reason for the correction"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    class Meta:
        model = SessionNote
        fields = ["zones", "passes", "exposure_seconds", "volume_ml", "reaction", "notes"]
        widgets = {
            "reaction": forms.Textarea(attrs={"rows": 2}),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "zones": _("For example: whole head along the partings; or the crown only."),
            "passes": _("Cryomassage: passes along each line."),
            "exposure_seconds": _("Cryomassage: seconds per pass."),
            "volume_ml": _("Plasmolifting: plasma injected."),
        }

    def __init__(self, *args, session, amending=None, **kwargs):
        super().__init__(*args, **kwargs)
        if amending is None:
            del self.fields["amendment_reason"]
        if amending is not None or session.status != SessionStatus.SCHEDULED:
            del self.fields["complete"]
        self.fields["zones"].error_messages["required"] = _("Say which zones were treated.")

    def note_data(self) -> dict:
        return {k: self.cleaned_data.get(k) for k in self._meta.fields}
