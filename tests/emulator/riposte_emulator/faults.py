"""The fault switch and the latency switch: fail chosen AWS calls with the service's own error shape, slow every call.

A fault rule names an operation (and optionally the call log's `service` and `account_id`); the recorder asks
`match(call)` before passing a call to moto, and a rule that takes the call is answered by `respond`, in the
protocol the client speaks (query, ec2, rest-xml, awsJson, rest-json), so botocore and the Rust SDK both read
the error code. Rules are consulted in creation order; the first matching rule with calls left decides: it lets
the call through while fewer than `after` matching calls passed it, else fails it. Latency is a default delay per
AWS call (`"*"`) plus optional per-service delays. Both are cleared on `POST /moto-api/reset`. The module also
counts AWS calls in flight per account (`enter`/`leave`/`peaks`) for the load test's per-account cap.
"""

import http
import json
import re
import threading
import time
import uuid
from functools import lru_cache
from typing import Any, Callable
from xml.sax.saxutils import escape

DEFAULT_MESSAGE = "injected by the emulator's fault switch"
MAX_LATENCY_MS = 60_000
# Field -> type of a posted rule; everything else is refused (a typo must not widen a rule silently).
RULE_FIELDS: dict[str, type] = {"operation": str, "service": str, "account_id": str, "code": str, "status": int,
                                "message": str, "count": int, "after": int}
CODE_PATTERN = re.compile(r"[A-Za-z][A-Za-z0-9_.:#-]*")


class RuleError(ValueError):
    """A posted rule or latency setting the switch refuses (answered 400)."""


def _typed(body: dict, name: str, kind: type) -> Any:
    value = body.get(name)
    if value is not None and (isinstance(value, bool) or not isinstance(value, kind)):
        raise RuleError(f"{name} must be {'an integer' if kind is int else 'a string'}, not {json.dumps(value)}")
    return value


def parse_rule(body: Any) -> dict[str, Any]:
    """A validated rule with defaults filled in, from one posted JSON object."""
    if not isinstance(body, dict):
        raise RuleError("a fault rule is a JSON object")
    unknown = sorted(set(body) - set(RULE_FIELDS))
    if unknown:
        raise RuleError(f"unknown field(s) {unknown}; a rule has {sorted(RULE_FIELDS)}")
    given = {name: _typed(body, name, kind) for name, kind in RULE_FIELDS.items()}
    for name in ("operation", "code"):
        if not given[name]:
            raise RuleError(f"{name} is required")
    if not CODE_PATTERN.fullmatch(given["code"]):
        raise RuleError(f"code {given['code']!r} is not an error code")
    rule = {"operation": given["operation"], "service": given["service"], "account_id": given["account_id"],
            "code": given["code"], "status": 400 if given["status"] is None else given["status"],
            "message": DEFAULT_MESSAGE if given["message"] is None else given["message"],
            "count": 1 if given["count"] is None else given["count"],
            "after": 0 if given["after"] is None else given["after"]}
    if not 400 <= rule["status"] <= 599:
        raise RuleError("status must be an HTTP error status, 400-599")
    if rule["count"] == 0 or rule["count"] < -1:
        raise RuleError("count must be positive, or -1 for every call until the rules are cleared")
    if rule["after"] < 0:
        raise RuleError("after must be 0 or more")
    return rule


def parse_rules(body: Any) -> list[dict[str, Any]]:
    """One rule object, or {"faults": [rules]}; all or nothing."""
    items = body.get("faults") if isinstance(body, dict) and "faults" in body else [body]
    if not isinstance(items, list) or not items:
        raise RuleError("faults must be a non-empty list of rules")
    return [parse_rule(item) for item in items]


def parse_latency(body: Any) -> tuple[int, str | None]:
    """(ms, service) from {"ms": N, "service": optional}."""
    if not isinstance(body, dict):
        raise RuleError("latency is a JSON object {\"ms\": N, \"service\": optional}")
    unknown = sorted(set(body) - {"ms", "service"})
    if unknown:
        raise RuleError(f"unknown field(s) {unknown}; latency has ['ms', 'service']")
    ms, service = _typed(body, "ms", int), _typed(body, "service", str)
    if ms is None or not 0 <= ms <= MAX_LATENCY_MS:
        raise RuleError(f"ms is required, an integer 0-{MAX_LATENCY_MS}")
    return ms, service


def _matches(rule: dict[str, Any], call: dict[str, Any]) -> bool:
    return rule["operation"] == call.get("operation") and all(
        rule[field] is None or rule[field] == call.get(field) for field in ("service", "account_id"))


def _remaining(rule: dict[str, Any]) -> int:
    """Calls the rule will still fail; -1: unlimited."""
    return -1 if rule["count"] == -1 else rule["count"] - rule["hits"]


def _view(rule: dict[str, Any]) -> dict[str, Any]:
    return dict(rule, remaining=_remaining(rule))


class Faults:
    """Fault rules and latency settings behind one lock (the server is threaded)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rules: list[dict[str, Any]] = []
        self._next_id = 1
        self._latency: dict[str, int] = {}

    def add(self, rules: list[dict[str, Any]]) -> list[dict[str, Any]]:
        with self._lock:
            for rule in rules:
                rule.update(id=self._next_id, hits=0, passed=0)
                self._next_id += 1
                self._rules.append(rule)
            return [_view(rule) for rule in rules]

    def rules(self) -> list[dict[str, Any]]:
        with self._lock:
            return [_view(rule) for rule in self._rules]

    def clear_rules(self) -> int:
        with self._lock:
            cleared = len(self._rules)
            self._rules.clear()
            return cleared

    def take(self, call: dict[str, Any]) -> dict[str, Any] | None:
        """The rule that fails this call (a copy, hit counted), or None when the call goes through."""
        with self._lock:
            rule = next((r for r in self._rules if _matches(r, call) and _remaining(r) != 0), None)
            if rule is None:
                return None
            if rule["passed"] < rule["after"]:
                rule["passed"] += 1
                return None
            rule["hits"] += 1
            return dict(rule)

    def set_latency(self, ms: int, service: str | None = None) -> dict[str, int]:
        with self._lock:
            self._latency[service or "*"] = ms
        return self.latency()

    def latency(self) -> dict[str, int]:
        """{"*": default ms, service: ms}; only what was set."""
        with self._lock:
            return dict(self._latency)

    def clear_latency(self) -> int:
        with self._lock:
            cleared = len(self._latency)
            self._latency.clear()
            return cleared

    def delay_for(self, service: str | None) -> float:
        """Seconds to hold a call of this service."""
        with self._lock:
            return self._latency.get(service or "*", self._latency.get("*", 0)) / 1000

    def clear(self) -> None:
        self.clear_rules()
        self.clear_latency()


FAULTS = Faults()


# ------------------------------------------------------------------ error answers, by protocol

@lru_cache(maxsize=None)
def model_metadata(service: str) -> dict[str, Any]:
    """botocore's metadata for a service (protocol, jsonVersion, apiVersion ...); {} when botocore has no model."""
    from botocore.loaders import Loader

    try:
        return dict(Loader().load_service_model(service, "service-2")["metadata"])
    except Exception:  # noqa: BLE001 - an unknown or differently named service: decide from the request
        return {}


def protocol_of(service: str | None, environ: dict) -> str:
    """query, ec2, rest-xml, json (awsJson) or rest-json: what the request speaks, else what the model says."""
    if environ.get("HTTP_X_AMZ_TARGET"):
        return "json"
    if "Action=" in environ.get("QUERY_STRING", "") or environ.get("CONTENT_TYPE", "").startswith(
            "application/x-www-form-urlencoded"):
        return "ec2" if service == "ec2" else "query"
    protocol = model_metadata(service or "").get("protocol")
    if protocol in ("query", "ec2", "rest-xml", "json", "rest-json"):
        return protocol
    return "rest-xml" if service == "s3" else "rest-json"


def _xml_namespace(metadata: dict[str, Any]) -> str:
    prefix, version = metadata.get("endpointPrefix"), metadata.get("apiVersion")
    return f' xmlns="https://{prefix}.amazonaws.com/doc/{version}/"' if prefix and version else ""


def _error_body(rule: dict[str, Any], service: str | None, protocol: str, request_id: str) -> tuple[str, bytes]:
    """(Content-Type, body) of the error in the client's protocol."""
    code, message = escape(rule["code"]), escape(rule["message"])
    if protocol in ("json", "rest-json"):
        version = model_metadata(service or "").get("jsonVersion") or "1.1"
        content_type = f"application/x-amz-json-{version}" if protocol == "json" else "application/json"
        return content_type, json.dumps({"__type": rule["code"], "message": rule["message"]}).encode()
    if protocol == "ec2":
        return "text/xml;charset=UTF-8", (
            f"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>{code}</Code>"
            f"<Message>{message}</Message></Error></Errors><RequestID>{request_id}</RequestID></Response>").encode()
    if protocol == "rest-xml" and service == "s3":  # S3 (and S3 Control, signed "s3"): no ErrorResponse wrapper
        return "application/xml", (
            f"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code><Message>{message}</Message>"
            f"<RequestId>{request_id}</RequestId></Error>").encode()
    kind = "Receiver" if rule["status"] >= 500 else "Sender"
    return "text/xml", (
        f"<ErrorResponse{_xml_namespace(model_metadata(service or ''))}><Error><Type>{kind}</Type>"
        f"<Code>{code}</Code><Message>{message}</Message></Error><RequestId>{request_id}</RequestId>"
        "</ErrorResponse>").encode()


def _status_line(status: int) -> str:
    try:
        return f"{status} {http.HTTPStatus(status).phrase}"
    except ValueError:
        return f"{status} Error"


def error_answer(rule: dict[str, Any], service: str | None, environ: dict) -> tuple[str, list[tuple[str, str]], bytes]:
    """(status line, headers, body) answering a faulted call the way its service answers errors."""
    protocol, request_id = protocol_of(service, environ), str(uuid.uuid4())
    content_type, body = _error_body(rule, service, protocol, request_id)
    headers = [("Content-Type", content_type), ("Content-Length", str(len(body))), ("x-amzn-RequestId", request_id)]
    if protocol in ("json", "rest-json"):
        headers.append(("x-amzn-ErrorType", rule["code"]))
    if service == "s3":
        headers.append(("x-amz-request-id", request_id))
    return _status_line(rule["status"]), headers, body


def _drain(environ: dict) -> None:
    """Read the unanswered request body, so that closing the connection does not reset it under the client."""
    stream = environ.get("wsgi.input")
    try:
        left = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        left = 0
    while stream is not None and (left > 0 or environ.get("wsgi.input_terminated")):
        chunk = stream.read(min(left, 65536) if left > 0 else 65536)
        if not chunk:
            return
        left -= len(chunk)


# ------------------------------------------------------------------ what the recorder calls

def add(body: Any) -> list[dict[str, Any]]:
    """POST /_riposte/faults: the created rules (RuleError, a ValueError, on a bad body)."""
    return FAULTS.add(parse_rules(body))


def rules() -> list[dict[str, Any]]:
    return FAULTS.rules()


def set_latency(body: Any) -> dict[str, int]:
    """POST /_riposte/latency: the settings after the change."""
    return FAULTS.set_latency(*parse_latency(body))


def latency() -> dict[str, int]:
    return FAULTS.latency()


def clear(faults: bool = True, delays: bool = True) -> int:
    """Drop the rules and/or the delays; how many were dropped."""
    return (FAULTS.clear_rules() if faults else 0) + (FAULTS.clear_latency() if delays else 0)


def delay(call: dict[str, Any]) -> None:
    seconds = FAULTS.delay_for(call.get("service"))
    if seconds > 0:
        time.sleep(seconds)


def match(call: dict[str, Any]) -> dict[str, Any] | None:
    """The rule failing this call (a copy whose `service` is the call's), or None: pass it to moto."""
    rule = FAULTS.take(call)
    return None if rule is None else dict(rule, service=call.get("service"))


def respond(rule: dict[str, Any], environ: dict, start_response: Callable) -> list[bytes]:
    _drain(environ)
    status, headers, body = error_answer(rule, rule.get("service"), environ)
    start_response(status, headers)
    return [body]


# ------------------------------------------------------------------ calls in flight, per account

_LOCK = threading.Lock()
_INFLIGHT: dict[str, int] = {}
_PEAK: dict[str, int] = {}


def enter(record: dict[str, Any]) -> None:
    """Count a call in flight in its account (for the load test's per-account cap)."""
    account = record.get("account_id") or "-"
    with _LOCK:
        _INFLIGHT[account] = _INFLIGHT.get(account, 0) + 1
        _PEAK[account] = max(_PEAK.get(account, 0), _INFLIGHT[account])


def leave(record: dict[str, Any]) -> None:
    account = record.get("account_id") or "-"
    with _LOCK:
        _INFLIGHT[account] = max(0, _INFLIGHT.get(account, 0) - 1)


def peaks(reset: bool = False) -> dict[str, int]:
    """The most calls in flight at once, per account, since the last reset."""
    with _LOCK:
        out = dict(_PEAK)
        if reset:
            _PEAK.clear()
        return out
