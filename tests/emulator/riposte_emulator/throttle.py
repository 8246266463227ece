"""The throttle switch: answer AWS calls above a rate with the service's throttling error, as AWS's token buckets do.

`POST /_riposte/throttle {"service", "rate", "burst", "code"?, "status"?, "account_id"?}` throttles the calls whose
call-log `service` is `service` (and `account_id`, when given). Each (service, account_id, region) has its own bucket
(IAM is global: (service, account_id)) holding `burst` tokens, full at first and refilled at `rate` tokens per second
(monotonic clock); a call takes one token, and a call that finds none is answered with the error in the client's own
protocol (faults.error_answer) without reaching moto. A setting for the account wins over one for the whole service;
posting again for the same (service, account_id) replaces the setting and refills its buckets. The recorder asks
`take(call)` right after the fault switch, journals a throttled call with `"throttled": code`, and counts per bucket
how many calls passed and how many were throttled. `DELETE` and `POST /moto-api/reset` clear settings and counts.
"""

import json
import threading
import time
from typing import Any

from .faults import CODE_PATTERN

MAX_RATE = 100_000
GLOBAL_SERVICES = frozenset({"iam"})  # one bucket per account, whatever region the call was signed for
# service -> (code, HTTP status, message) AWS answers when it throttles; everything else: ThrottlingException.
DEFAULTS = {"iam": ("Throttling", 400, "Rate exceeded"),
            "s3": ("SlowDown", 503, "Please reduce your request rate."),
            "ec2": ("RequestLimitExceeded", 503, "Request limit exceeded.")}
OTHER = ("ThrottlingException", 400, "Rate exceeded")
FIELDS = ("service", "rate", "burst", "code", "status", "account_id")


class ThrottleError(ValueError):
    """A posted setting the switch refuses (answered 400)."""


def _check(body: dict, name: str, ok: bool, kind: str) -> Any:
    value = body.get(name)
    if value is not None and (isinstance(value, bool) or not ok):
        raise ThrottleError(f"{name} must be {kind}, not {json.dumps(value)}")
    return value


def parse(body: Any) -> dict[str, Any]:
    """A validated setting with the service's defaults filled in, from the posted JSON object."""
    if not isinstance(body, dict):
        raise ThrottleError('a throttle setting is a JSON object {"service", "rate", "burst", ...}')
    unknown = sorted(set(body) - set(FIELDS))
    if unknown:
        raise ThrottleError(f"unknown field(s) {unknown}; a setting has {sorted(FIELDS)}")
    service = _check(body, "service", isinstance(body.get("service"), str), "a string")
    rate = _check(body, "rate", isinstance(body.get("rate"), (int, float)), "a number")
    burst = _check(body, "burst", isinstance(body.get("burst"), int), "an integer")
    code = _check(body, "code", isinstance(body.get("code"), str), "a string")
    status = _check(body, "status", isinstance(body.get("status"), int), "an integer")
    account = _check(body, "account_id", isinstance(body.get("account_id"), str), "a string")
    if not service:
        raise ThrottleError("service is required (the call log's service, e.g. iam, s3, securityhub)")
    if rate is None or not 0 < rate <= MAX_RATE:
        raise ThrottleError(f"rate is required, tokens per second above 0 and at most {MAX_RATE}")
    if burst is None or burst < 1:
        raise ThrottleError("burst is required, an integer 1 or more (the bucket's size)")
    if code is not None and not CODE_PATTERN.fullmatch(code):
        raise ThrottleError(f"code {code!r} is not an error code")
    if status is not None and not 400 <= status <= 599:
        raise ThrottleError("status must be an HTTP error status, 400-599")
    if account is not None and not account:
        raise ThrottleError("account_id must not be empty")
    default_code, default_status, message = DEFAULTS.get(service, OTHER)
    return {"service": service, "account_id": account, "rate": rate, "burst": burst,
            "code": default_code if code is None else code, "status": default_status if status is None else status,
            "message": message if code is None else "Rate exceeded"}


def _view(setting: dict[str, Any]) -> dict[str, Any]:
    return {field: setting[field] for field in FIELDS}


class Throttle:
    """Settings, token buckets and counts behind one lock (the server is threaded)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._settings: dict[tuple, dict[str, Any]] = {}  # (service, account_id or None) -> setting
        self._buckets: dict[tuple, dict[str, Any]] = {}  # (service, account_id, region) -> tokens, counts
        self._generation = 0

    def set(self, setting: dict[str, Any]) -> None:
        with self._lock:
            self._generation += 1
            self._settings[(setting["service"], setting["account_id"])] = dict(setting, generation=self._generation)

    def view(self) -> dict[str, Any]:
        with self._lock:
            counts = [{"service": key[0], "account_id": key[1], "region": key[2], "passed": bucket["passed"],
                       "throttled": bucket["throttled"]} for key, bucket in self._buckets.items()]
            return {"throttle": [_view(s) for s in self._settings.values()],
                    "counts": sorted(counts, key=lambda c: tuple(str(c[f] or "") for f in ("service", "account_id",
                                                                                           "region")))}

    def clear(self) -> int:
        with self._lock:
            cleared = len(self._settings)
            self._settings.clear()
            self._buckets.clear()
            return cleared

    def take(self, call: dict[str, Any]) -> dict[str, Any] | None:
        """The error answering this call (code, status, message, service) when its bucket is empty, else None."""
        service, account = call.get("service"), call.get("account_id")
        with self._lock:
            setting = self._settings.get((service, account)) or self._settings.get((service, None))
            if setting is None:
                return None
            key = (service, account, None if service in GLOBAL_SERVICES else call.get("region"))
            now = time.monotonic()
            bucket = self._buckets.setdefault(key, {"passed": 0, "throttled": 0, "generation": None})
            if bucket["generation"] != setting["generation"]:  # new or replaced setting: a full bucket
                bucket.update(generation=setting["generation"], tokens=float(setting["burst"]), last=now)
            bucket["tokens"] = min(float(setting["burst"]), bucket["tokens"] + (now - bucket["last"]) * setting["rate"])
            bucket["last"] = now
            if bucket["tokens"] >= 1:
                bucket["tokens"] -= 1
                bucket["passed"] += 1
                return None
            bucket["throttled"] += 1
            return {"code": setting["code"], "status": setting["status"], "message": setting["message"],
                    "service": service}


THROTTLE = Throttle()


def take(call: dict[str, Any]) -> dict[str, Any] | None:
    return THROTTLE.take(call)


def clear() -> int:
    return THROTTLE.clear()


def control(method: str, environ: dict) -> tuple[str, dict[str, Any]]:
    """GET / POST {setting} / DELETE on /_riposte/throttle: (status line, JSON body)."""
    if method == "GET":
        return "200 OK", THROTTLE.view()
    if method == "DELETE":
        return "200 OK", {"cleared": THROTTLE.clear()}
    if method != "POST":
        return "405 Method Not Allowed", {"error": "use GET, POST or DELETE"}
    try:
        size = int(environ.get("CONTENT_LENGTH") or 0)
        THROTTLE.set(parse(json.loads(environ["wsgi.input"].read(size) or b"{}")))
    except ValueError as e:  # a ThrottleError, or a body that is not JSON
        return "400 Bad Request", {"error": str(e)}
    return "200 OK", THROTTLE.view()
