"""A local HTTP server standing in for an online payment provider's "create a payment" API."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from ..helpers import free_port


class PaymentProvider:
    """Creates one payment per idempotency key (a request sent again gets the same payment back);
    answers 503 to every request while `down`."""

    def __init__(self, down: bool = False):
        self.down = down
        self.requests = []
        self.created = {}  # Idempotence-Key -> the provider's id
        self.port = free_port()
        self._lock = threading.Lock()

    def __enter__(self):
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with provider._lock:
                    provider.requests.append({"body": body, "headers": dict(self.headers)})
                    if provider.down:
                        return self._answer(503, {"type": "error", "description": "Service unavailable"})
                    key = self.headers["Idempotence-Key"]
                    payment_id = provider.created.setdefault(key, f"pay-{len(provider.created) + 1}")
                answer = {
                    "id": payment_id,
                    "status": "pending",
                    "amount": body["amount"],
                    "confirmation": {"type": "redirect", "confirmation_url": f"https://pay.example/{payment_id}"},
                }
                self._answer(200, answer)

            def _answer(self, status, answer):
                data = json.dumps(answer, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v3/payments"

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
