"""A local HTTP server standing in for an online payment provider's "create a payment" API."""

from ..helpers import JsonApiServer


class PaymentProvider(JsonApiServer):
    """Creates one payment per idempotency key (a request sent again gets the same payment back);
    answers 503 to every request while `down`."""

    path = "/v3/payments"

    def __init__(self, down: bool = False):
        super().__init__()
        self.down = down
        self.created = {}  # Idempotence-Key -> the provider's id

    def respond(self, body, headers):
        if self.down:
            return 503, {"type": "error", "description": "Service unavailable"}
        payment_id = self.created.setdefault(headers["Idempotence-Key"], f"pay-{len(self.created) + 1}")
        return 200, {
            "id": payment_id,
            "status": "pending",
            "amount": body["amount"],
            "confirmation": {"type": "redirect", "confirmation_url": f"https://pay.example/{payment_id}"},
        }
