"""Control endpoints of the lag and pending switches (lag.py, pending.py), in front of the recorder.

`/_riposte/lag` (GET, POST {"ms", "services"?}, DELETE) and `/_riposte/pending` (GET, POST {"on", "redshift_ms"?,
"seed"?}, DELETE) plus `POST /_riposte/pending/apply`, answered like the recorder's fault and latency switches
(JSON, 400 on a bad body). Every other request goes on to the recorder; after `POST /moto-api/reset` both
switches return to their process defaults (RIPOSTE_EMULATOR_LAG_MS, RIPOSTE_EMULATOR_PENDING) and forget history.
"""

import json
from typing import Any, Callable, Iterable

from . import lag, pending

STATUS = {200: "200 OK", 400: "400 Bad Request", 405: "405 Method Not Allowed"}


def _answer(start_response: Callable, status: int, body: Any) -> list[bytes]:
    data = json.dumps(body, default=str).encode()
    start_response(STATUS.get(status, f"{status} Error"),
                   [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
    return [data]


def _body(environ: dict) -> Any:
    raw = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
    return json.loads(raw) if raw.strip() else {}


class Switches:
    def __init__(self, app: Callable) -> None:
        self.app = app

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        path = (environ.get("PATH_INFO") or "").rstrip("/")
        method = environ.get("REQUEST_METHOD", "GET")
        if path in ("/_riposte/lag", "/_riposte/pending", "/_riposte/pending/apply"):
            try:
                body = _body(environ) if method == "POST" else None
            except ValueError as e:
                return _answer(start_response, 400, {"error": f"the body is not JSON: {e}"})
            if path == "/_riposte/lag":
                return _answer(start_response, *lag.control(method, body))
            return _answer(start_response, *pending.control(path, method, body))
        result = self.app(environ, start_response)
        if path == "/moto-api/reset" and method == "POST":
            lag.LAG.reset()
            pending.SWITCH.reset()
        return result
