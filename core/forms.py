"""Form helpers every app's views share."""

from django.core.exceptions import ValidationError


def apply_service_error(form, error: ValidationError) -> None:
    """Put a service's ValidationError onto the form: field errors where named, else the top."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)
