"""WSGI middleware in front of moto: records every AWS call and serves the emulator's control endpoints.

Control endpoints (not AWS): POST /_riposte/iam/age (see iam_ages.py); GET/POST/DELETE /_riposte/iam/eval (the IAM
switch, see iam_eval.py); GET /_riposte/sts/issued (every role
session STS issued, secrets included, for leak scans); POST/GET/DELETE /_riposte/faults and /_riposte/latency
(the fault and latency switches, see faults.py); POST/GET/DELETE /_riposte/throttle (the throttle switch, see
throttle.py); GET/DELETE /_riposte/events,
/_riposte/calls, /_riposte/rotations; GET filters
calls by any recorded field given as a query parameter (e.g. ?service=s3&account_id=...). `POST /moto-api/reset`
is passed to moto and then clears all three logs.
"""

import io
import json
from typing import Any, Callable, Iterable
from urllib.parse import parse_qs

from moto.core.request import Request
from moto.core.responses import get_service_router
from moto.iam.models import get_account_id_from

from . import faults, iam_eval, throttle
from .journal import JOURNAL, iso_millis, utc_now

# SigV4 signing names whose botocore/moto service name differs.
SIGNING_TO_SERVICE = {"events": "events", "email": "ses", "monitoring": "cloudwatch", "states": "stepfunctions"}


def _credential_scope(environ: dict) -> tuple[str | None, str | None, str | None]:
    """(access key id, region, signing service) from the Authorization header or a presigned query."""
    auth = environ.get("HTTP_AUTHORIZATION", "")
    credential = None
    if "Credential=" in auth:
        credential = auth.split("Credential=", 1)[1].split(",", 1)[0].strip()
    else:
        credential = (parse_qs(environ.get("QUERY_STRING", "")).get("X-Amz-Credential") or [None])[0]
    if not credential:
        return None, None, None
    parts = credential.split("/")
    if len(parts) != 5:
        return parts[0], None, None
    return parts[0], parts[2], parts[3]


def _form_action(environ: dict) -> str | None:
    """Action of a query-protocol call (IAM, STS, SNS, CloudFormation); the body is put back for moto."""
    action = (parse_qs(environ.get("QUERY_STRING", "")).get("Action") or [None])[0]
    if action or not environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
        return action
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    body = environ["wsgi.input"].read(length) if length else b""
    environ["wsgi.input"] = io.BytesIO(body)
    return (parse_qs(body.decode("utf-8", "replace")).get("Action") or [None])[0]


def _rest_operation(environ: dict, service: str) -> str | None:
    """Operation name of a REST call (S3, Security Hub ...) from method + path + query, via the botocore model."""
    probe = dict(environ, **{"wsgi.input": io.BytesIO(b""), "CONTENT_LENGTH": "0"})
    try:
        operation, _ = get_service_router(service).match(Request(probe))
        return operation.name
    except Exception:
        return None


def describe_call(environ: dict) -> dict[str, Any]:
    access_key, region, signing = _credential_scope(environ)
    service = SIGNING_TO_SERVICE.get(signing or "", signing)
    if service == "s3" and (environ.get("PATH_INFO") or "").startswith("/v20180820/"):
        service = "s3control"  # S3 Control signs as `s3`; its paths say which it is (as moto routes it)
    target = environ.get("HTTP_X_AMZ_TARGET")
    operation = target.rsplit(".", 1)[-1] if target else _form_action(environ)
    if not operation and service:
        operation = _rest_operation(environ, service)
    account = environ.get("HTTP_X_MOTO_ACCOUNT_ID") or (get_account_id_from(access_key) if access_key else None)
    record: dict[str, Any] = {
        "service": service,
        "operation": operation,
        "account_id": account,
        "access_key_id": access_key,
        "region": region,
        "method": environ.get("REQUEST_METHOD"),
        "path": environ.get("PATH_INFO"),
    }
    if environ.get("QUERY_STRING"):
        record["query"] = environ["QUERY_STRING"]
    if "HTTP_X_AMZ_EXPECTED_BUCKET_OWNER" in environ:
        record["expected_bucket_owner"] = environ["HTTP_X_AMZ_EXPECTED_BUCKET_OWNER"]
    record["time"] = iso_millis(utc_now())
    return record


def _json(start_response: Callable, status: str, body: Any) -> list[bytes]:
    data = json.dumps(body).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
    return [data]


def issued_credentials() -> list[dict[str, str]]:
    """Every role session STS issued (AssumeRole), with its secrets: what a test scans logs and records for."""
    from moto.sts.models import sts_backends

    out = []
    for account in list(sts_backends.keys()):
        for partition in list(sts_backends[account].keys()):
            for role in sts_backends[account][partition].assumed_roles:
                out.append({"role_arn": role.role_arn, "session_name": role.session_name,
                            "access_key_id": role.access_key_id, "secret_access_key": role.secret_access_key,
                            "session_token": role.session_token})
    return out


class Recorder:
    LOGS = {"/_riposte/events": "events", "/_riposte/calls": "calls", "/_riposte/rotations": "rotations"}

    def __init__(self, app: Callable) -> None:
        self.app = app

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "GET")
        if path.startswith("/_riposte"):
            return self._control(path.rstrip("/"), method, environ, start_response)
        if path.startswith("/moto-api") or path == "/favicon.ico":
            result = self.app(environ, start_response)
            if path.rstrip("/") == "/moto-api/reset" and method == "POST":
                JOURNAL.clear()
                faults.clear()
                throttle.clear()
                iam_eval.reset()
            return result
        record = describe_call(environ)
        faults.enter(record)
        try:
            return self._answer(record, environ, start_response)
        finally:
            faults.leave(record)

    def _answer(self, record: dict, environ: dict, start_response: Callable) -> Iterable[bytes]:
        faults.delay(record)
        rule = faults.match(record)
        if rule is not None:
            record.update(status=int(rule["status"]), fault=rule["code"])
            JOURNAL.append("calls", record)
            return faults.respond(rule, environ, start_response)
        rule = throttle.take(record)  # the throttle switch: the call's token bucket is empty
        if rule is not None:
            record.update(status=int(rule["status"]), throttled=rule["code"])
            JOURNAL.append("calls", record)
            return faults.respond(rule, environ, start_response)
        denied = iam_eval.check(record, environ, start_response)  # spoke sessions, when the IAM switch is on
        if denied is not None:
            JOURNAL.append("calls", record)
            return denied
        seen: dict[str, Any] = {}

        def recording_start_response(status: str, headers: list, exc_info: Any = None) -> Any:
            seen["status"] = int(status.split(" ", 1)[0])
            return start_response(status, headers, exc_info) if exc_info else start_response(status, headers)

        result = self.app(environ, recording_start_response)
        record["status"] = seen.get("status")
        JOURNAL.append("calls", record)
        return result

    def _control(self, path: str, method: str, environ: dict, start_response: Callable) -> list[bytes]:
        if path == "/_riposte/iam/age" and method == "POST":
            from .iam_ages import age

            size = int(environ.get("CONTENT_LENGTH") or 0)
            try:
                body = json.loads(environ["wsgi.input"].read(size) or b"{}")
                return _json(start_response, "200 OK", age(body))
            except Exception as e:  # noqa: BLE001 - a bad request to a test endpoint, reported to the test
                return _json(start_response, "400 Bad Request", {"error": f"{type(e).__name__}: {e}"})
        if path == "/_riposte/inflight":
            return _json(start_response, "200 OK", {"peak": faults.peaks(reset=method == "DELETE")})
        if path in ("/_riposte/faults", "/_riposte/latency"):
            return self._switch(path, method, environ, start_response)
        if path == "/_riposte/throttle":
            return _json(start_response, *throttle.control(method, environ))
        if path == "/_riposte/iam/eval":
            return _json(start_response, *iam_eval.control(method, environ))
        if path == "/_riposte/sts/issued" and method == "GET":
            return _json(start_response, "200 OK", {"issued": issued_credentials()})
        kind = self.LOGS.get(path)
        if kind is None:
            return _json(start_response, "404 Not Found", {"error": f"unknown control endpoint {path}"})
        if method == "DELETE":
            cleared = len(JOURNAL.snapshot(kind))
            JOURNAL.clear(kind)
            return _json(start_response, "200 OK", {"cleared": cleared})
        if method != "GET":
            return _json(start_response, "405 Method Not Allowed", {"error": "use GET or DELETE"})
        wanted = {k: v[-1] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        items = [r for r in JOURNAL.snapshot(kind) if all(str(r.get(k)) == v for k, v in wanted.items())]
        return _json(start_response, "200 OK", {kind: items})

    def _switch(self, path: str, method: str, environ: dict, start_response: Callable) -> list[bytes]:
        is_faults = path == "/_riposte/faults"
        if method == "GET":
            return _json(start_response, "200 OK", {"faults": faults.rules()} if is_faults
                         else {"latency": faults.latency()})
        if method == "DELETE":
            return _json(start_response, "200 OK", {"cleared": faults.clear(faults=is_faults, delays=not is_faults)})
        if method != "POST":
            return _json(start_response, "405 Method Not Allowed", {"error": "use GET, POST or DELETE"})
        try:
            body = json.loads(environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0)) or b"{}")
            if not isinstance(body, dict):
                raise ValueError("the body must be a JSON object")
            answer = {"faults": faults.add(body)} if is_faults else {"latency": faults.set_latency(body)}
        except (ValueError, KeyError) as e:
            return _json(start_response, "400 Bad Request", {"error": str(e)})
        return _json(start_response, "200 OK", answer)
