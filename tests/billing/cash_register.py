"""A local HTTP server standing in for a cloud cash register's receipt API."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from ..helpers import free_port


class CashRegister:
    """Fails the first `failures` requests (503), then fiscalises each receipt once per external id:
    a receipt sent again gets the same id back and is not counted again, as the real ones do."""

    def __init__(self, failures: int = 0, refuse: str = "", hold=None):
        self.failures = failures
        self.hold = hold  # an Event: the first accepted receipt's answer waits for it (a worker dies meanwhile)
        self.refuse = refuse  # a 400 with this text for every receipt
        self.requests = []
        self.accepted = {}  # external_id -> the body fiscalised
        self.port = free_port()
        self._lock = threading.Lock()

    def __enter__(self):
        register = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with register._lock:
                    register.requests.append({"body": body, "headers": dict(self.headers)})
                    if register.failures > 0:
                        register.failures -= 1
                        return self._answer(503, {"error": {"text": "Касса недоступна"}})
                    if register.refuse:
                        return self._answer(400, {"error": {"code": 32, "text": register.refuse}})
                    register.accepted.setdefault(body["external_id"], body)
                    index = list(register.accepted).index(body["external_id"]) + 1
                    hold, register.hold = register.hold, None
                if hold is not None:
                    hold.wait(30)
                self._answer(200, {"uuid": f"reg-{index}", "status": "wait"})

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
        return f"http://127.0.0.1:{self.port}/v4/clinic/sell"

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
