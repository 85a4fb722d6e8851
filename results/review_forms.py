"""The forms of writing and moderating a review (their rules live in results.reviews)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import ReviewStatus
from .reviews import COMMENT_MAX, DISPLAY_NAME_MAX

RATINGS = [(n, str(n)) for n in range(5, 0, -1)]


class ReviewForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("Your rating, from 1 (poor) to 5 (excellent)"), choices=RATINGS, coerce=int, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label=_("Comment"), required=False, max_length=COMMENT_MAX, widget=forms.Textarea(attrs={"rows": 5})
    )
    display_name = forms.CharField(
        label=_("Sign the review as"),
        max_length=DISPLAY_NAME_MAX,
        help_text=_("Shown with the review on the clinic's site: your first name, never your surname."),
    )


class ModerationForm(forms.Form):
    decision = forms.ChoiceField(choices=[(ReviewStatus.APPROVED, _("Publish")), (ReviewStatus.REJECTED, _("Reject"))])
    note = forms.CharField(label=_("Note"), required=False, max_length=300)
