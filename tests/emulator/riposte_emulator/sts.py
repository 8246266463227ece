"""AssumeRole checks moto does not make: the role must exist and its trust policy must name the caller.

Checked: the target role exists in the account of its ARN (looked up by ARN, then by name); some trust policy
statement with Effect Allow and an Action matching sts:AssumeRole names the caller as Principal, and no Deny
statement does. The caller matches `"*"`, `{"AWS": "*"}`, its account id, `arn:aws:iam::<acct>:root`, its own
user/role ARN (an assumed-role session matches its role ARN, path ignored), or a Service principal it acts as via
the `x-riposte-service-principal` header (set-up code uses it to stand in for EC2/Lambda). NOT checked:
Condition blocks (aws:PrincipalArn, aws:PrincipalOrgID, sts:ExternalId ...), NotPrincipal/NotAction, the caller's
own identity policy, sts:SetSourceIdentity / sts:TagSession permission.
Also checked (ValidationError, 400, real messages): DurationSeconds above the role's MaxSessionDuration, and above
3600 when the caller is itself a role session (role chaining).
"""

import fnmatch
import json
import re
import uuid
from urllib.parse import unquote

from moto.iam.models import iam_backends
from moto.sts.models import sts_backends
from moto.sts.responses import TokenResponse

SERVICE_HEADER = "x-riposte-service-principal"
ROLE_ARN = re.compile(r"^arn:(aws[a-z-]*):iam::(\d{12}):role/(?:.*/)?([\w+=,.@-]+)$")

_original_assume_role = TokenResponse.assume_role


def _as_list(value) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _caller(response: TokenResponse) -> tuple[str, str, list[str]]:
    """(account id, caller ARN as STS reports it, principal strings that identify the caller)."""
    account = response.current_account
    _, arn, _ = sts_backends[account][response.partition].get_caller_identity(
        response.get_access_key(), response.region
    )
    names = [account, f"arn:{response.partition}:iam::{account}:root", arn]
    session = re.match(r"^arn:([\w-]+):sts::(\d{12}):assumed-role/([^/]+)/", arn)
    if session:
        names.append(f"arn:{session.group(1)}:iam::{session.group(2)}:role/{session.group(3)}")
    return account, arn, names


def _names_caller(principal, names: list[str], service: str | None) -> bool:
    if principal == "*":
        return True
    if not isinstance(principal, dict):
        return False
    for value in _as_list(principal.get("AWS")):
        if value == "*" or value in names:
            return True
        # A role ARN with a path names the same role as the session's path-less ARN.
        match = ROLE_ARN.match(value)
        if match and f"arn:{match.group(1)}:iam::{match.group(2)}:role/{match.group(3)}" in names:
            return True
    return bool(service) and service in _as_list(principal.get("Service"))


def _allows_assume(statement: dict) -> bool:
    return any(fnmatch.fnmatchcase("sts:assumerole", a.lower()) for a in _as_list(statement.get("Action")))


def refusal(response: TokenResponse, role_arn: str) -> tuple[str, str] | None:
    """(error code, message) saying why the caller may not assume role_arn, or None."""
    _, caller_arn, names = _caller(response)
    message = f"User: {caller_arn} is not authorized to perform: sts:AssumeRole on resource: {role_arn}"
    match = ROLE_ARN.match(role_arn or "")
    if not match:
        return "AccessDenied", message
    iam = iam_backends[match.group(2)][response.partition]
    role = next((r for r in iam.roles.values() if r.arn == role_arn), None)
    role = role or next((r for r in iam.roles.values() if r.name == match.group(3)), None)
    if role is None:
        return "AccessDenied", message
    policy = role.assume_role_policy_document
    policy = json.loads(unquote(policy)) if isinstance(policy, str) else policy
    service = response.headers.get(SERVICE_HEADER)
    statements = [s for s in _as_list(policy.get("Statement")) if _allows_assume(s)]
    if any(s.get("Effect") == "Deny" and _names_caller(s.get("Principal"), names, service) for s in statements):
        return "AccessDenied", message
    if not any(s.get("Effect") == "Allow" and _names_caller(s.get("Principal"), names, service) for s in statements):
        return "AccessDenied", message
    duration = response._get_int_param("DurationSeconds", 3600)
    if ":assumed-role/" in caller_arn and duration > 3600:
        return "ValidationError", ("The requested DurationSeconds exceeds the 1 hour session limit for roles "
                                   "assumed by role chaining.")
    if duration > int(role.max_session_duration or 3600):
        return "ValidationError", "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."
    return None


def _error_xml(code: str, message: str) -> str:
    message = message.replace("&", "&amp;").replace("<", "&lt;")
    return (
        '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
        f"<Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error>"
        f"<RequestId>{uuid.uuid4()}</RequestId></ErrorResponse>"
    )


def assume_role(self: TokenResponse):
    refused = refusal(self, self._get_param("RoleArn"))
    if refused:
        code, message = refused
        return _error_xml(code, message), {"status": 403 if code == "AccessDenied" else 400,
                                           "Content-Type": "text/xml"}
    return _original_assume_role(self)


def install() -> None:
    TokenResponse.assume_role = assume_role
