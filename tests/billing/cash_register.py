"""A local HTTP server standing in for a cloud cash register's receipt API."""

from ..helpers import JsonApiServer


class CashRegister(JsonApiServer):
    """Fails the first `failures` requests (503), then fiscalises each receipt once per external id:
    a receipt sent again gets the same id back and is not counted again, as the real ones do."""

    path = "/v4/clinic/sell"

    def __init__(self, failures: int = 0, refuse: str = "", hold=None):
        super().__init__()
        self.failures = failures
        self.hold = hold  # an Event: the first accepted receipt's answer waits for it (a worker dies meanwhile)
        self.refuse = refuse  # a 400 with this text for every receipt
        self.accepted = {}  # external_id -> the body fiscalised
        self._holding = None

    def respond(self, body, headers):
        if self.failures > 0:
            self.failures -= 1
            return 503, {"error": {"text": "Касса недоступна"}}
        if self.refuse:
            return 400, {"error": {"code": 32, "text": self.refuse}}
        self.accepted.setdefault(body["external_id"], body)
        index = list(self.accepted).index(body["external_id"]) + 1
        self._holding, self.hold = self.hold, None
        return 200, {"uuid": f"reg-{index}", "status": "wait"}

    def before_answer(self):
        hold, self._holding = self._holding, None
        if hold is not None:
            hold.wait(30)
