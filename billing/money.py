"""Roubles as people read them: "4 500,00 ₽" in Russian, "4,500.00 ₽" in English."""

from decimal import Decimal, InvalidOperation

from django.utils.formats import number_format

RUB = "RUB"


def rub(amount) -> str:
    """An amount with its kopecks, grouped the current language's way, and the rouble sign."""
    return f"{number_format(Decimal(amount), 2, use_l10n=True, force_grouping=True)}\u00a0₽"


def parse_amount(value) -> Decimal | None:
    """An amount typed either way ("4 500,50" or "4500.50"); None if it is not a number."""
    text = str(value).strip().replace("\u00a0", "").replace(" ", "").replace(",", ".")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        return None
    return amount if amount.is_finite() else None
