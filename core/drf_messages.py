"""Django REST framework's own messages that an API caller can meet, for our Russian catalogue.

DRF's Russian catalogue leaves some in English ("Ensure this field has at least 1 elements.",
"Invalid input.", the throttle's "Expected available in ...") and words others for a web page
("Страница не найдена." for a record that is not there). Our catalogue (LOCALE_PATHS) wins over an
app's, so the plain-word Russian for these ids lives in locale/ru/LC_MESSAGES/django.po; they are
listed here only so that makemessages keeps them there. Nothing imports this module.
"""

from django.utils.translation import gettext_noop

MESSAGES = (
    gettext_noop("Invalid input."),
    gettext_noop("Not found."),
    gettext_noop("Request was throttled."),
    gettext_noop('Unsupported media type "{media_type}" in request.'),
    gettext_noop("Must be a valid boolean."),
    gettext_noop("Not a valid string."),
    gettext_noop('Enter a valid "slug" consisting of Unicode letters, numbers, underscores, or hyphens.'),
    gettext_noop("Must be a valid UUID."),
    gettext_noop("A valid biginteger is required."),
    gettext_noop("Integer value too large to convert to float"),
    gettext_noop('Invalid datetime for the timezone "{timezone}".'),
    gettext_noop("Datetime value out of range."),
    gettext_noop("Datetime has wrong format. Use one of these formats instead: {format}."),
    gettext_noop("Expected a datetime but got a date."),
    gettext_noop("Date has wrong format. Use one of these formats instead: {format}."),
    gettext_noop("Expected a date but got a datetime."),
    gettext_noop("Ensure this value is greater than or equal to {min_value}."),
    gettext_noop("Ensure this value is less than or equal to {max_value}."),
    gettext_noop('"{input}" is not a valid choice.'),
    gettext_noop("Ensure this field has at least {min_length} elements."),
    gettext_noop("Ensure this field has no more than {max_length} elements."),
    gettext_noop('Expected a list of items but got type "{input_type}".'),
    gettext_noop("This dictionary may not be empty."),
    gettext_noop("Invalid data. Expected a dictionary, but got {datatype}."),
    gettext_noop('Invalid pk "{pk_value}" - object does not exist.'),
    gettext_noop("Incorrect type. Expected pk value, received {data_type}."),
    gettext_noop("Object with {slug_name}={value} does not exist."),
    gettext_noop("Surrogate characters are not allowed: U+{code_point:X}."),
    # Throttled translates these two each alone (then picks one by the number): no plural forms.
    gettext_noop("Expected available in {wait} second."),
    gettext_noop("Expected available in {wait} seconds."),
)
