"""S3's own meaning of "public", for GetBucketPolicyStatus and for the effective ACL that GetBucketAcl and
GetObjectAcl return under IgnorePublicAcls. Source: Amazon S3 User Guide, "Blocking public access to your Amazon S3
storage" → "The meaning of 'public'":
https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html#access-control-block-public-access-policy-status

ACLs: a grant is public when its grantee is the predefined group AllUsers or AuthenticatedUsers.

Bucket policies: S3 starts from "public" and looks for a reason to call a statement non-public. Here a policy is
public when any statement is:
- `Effect: Allow` (Deny statements never are), and
- open to everyone: a `Principal` of `*`, or with a wildcard (`*`, `?`) or policy variable in any value (`{"AWS":
  "*"}`, `{"AWS": ["*", …]}`), or any `Federated` principal (web identity / SAML users are outside the account's
  control), or any `NotPrincipal`; and
- not pinned by a condition. One condition pins the statement when its key is one of `PINNING_KEYS` (compared
  case-insensitively), its operator is not negated (`…Not…`), not `…IfExists`, not `Null` and not
  `ForAllValues:…` (those pass when the key is absent), and every value is fixed: no `*`, `?` or `${…}` policy
  variable. Special cases from the page: `aws:SourceIp` values must be CIDRs no wider than /8 (IPv4) or /32 (IPv6),
  `0.0.0.0/1` is public; `aws:userid` may be `AROLEID:*` (all sessions of one role); `s3:DataAccessPointArn` may
  have a wildcard in the access point name only (`arn:aws:s3:us-west-2:123456789012:accesspoint/*`) — a wildcard in
  the account, region or elsewhere is public, as it is in every other ARN-valued key (aws:SourceArn,
  aws:PrincipalArn).

Not modelled: the old "bad actions" rule, access point policies (whose rules differ), and any semantic reasoning
S3 does beyond these syntactic rules (an unsatisfiable condition, for instance, is still judged by its key). Block
Public Access does not change the answer: GetBucketPolicyStatus reports what the policy says, as S3 does.
"""

import ipaddress
import json
from typing import Any

ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
AUTHENTICATED_USERS = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"
PUBLIC_GROUPS = frozenset({ALL_USERS, AUTHENTICATED_USERS})

# Condition keys whose fixed values make a statement to everyone non-public (lower case).
PINNING_KEYS = frozenset({
    "aws:sourcearn", "aws:sourceaccount", "aws:sourceowner", "aws:sourcevpc", "aws:sourcevpce",
    "aws:principalorgid", "aws:principalaccount", "aws:principalarn", "aws:principalorgpaths", "aws:userid",
    "aws:sourceip", "s3:dataaccesspointarn", "s3:dataaccesspointaccount",
    "s3:x-amz-server-side-encryption-aws-kms-key-id",
})


def grantee_is_public(uri: str | None) -> bool:
    return (uri or "").strip() in PUBLIC_GROUPS


def _statements(document: Any) -> list[Any]:
    statements = document.get("Statement") if isinstance(document, dict) else None
    if isinstance(statements, dict):
        return [statements]
    return statements if isinstance(statements, list) else []


def _values(value: Any) -> list[str]:
    """Condition or principal values as text: one scalar or a list of them."""
    items = value if isinstance(value, list) else [value]
    return [item if isinstance(item, str) else json.dumps(item) for item in items if item is not None]


def _not_fixed(value: str) -> bool:
    return "*" in value or "?" in value or "${" in value


def _principal_is_public(principal: Any) -> bool:
    if isinstance(principal, str):
        return _not_fixed(principal)
    if isinstance(principal, dict):
        return any(kind.lower() == "federated" or any(_not_fixed(v) for v in _values(value))
                   for kind, value in principal.items())
    return False


def _narrow_range(value: str) -> bool:
    try:
        network = ipaddress.ip_network(value.strip(), strict=False)
    except ValueError:
        return False
    return network.prefixlen >= (8 if network.version == 4 else 32)


def _access_point_arn_is_fixed(value: str) -> bool:
    """`arn:<partition>:s3:<region>:<account>:accesspoint/<name>`: only the name may hold a wildcard."""
    parts = value.split(":", 5)
    if len(parts) != 6 or not parts[5].startswith("accesspoint/"):
        return not _not_fixed(value)
    prefix, name = ":".join(parts[:5]), parts[5][len("accesspoint/"):]
    return not _not_fixed(prefix) and parts[4].isdigit() and "${" not in name and name != ""


def _fixed_value(key: str, value: str) -> bool:
    if not value:
        return False
    if key == "aws:sourceip":
        return not _not_fixed(value) and _narrow_range(value)
    if key == "aws:userid" and value.endswith(":*"):
        return value[:-2] != "" and not _not_fixed(value[:-2])
    if key == "s3:dataaccesspointarn":
        return _access_point_arn_is_fixed(value)
    return not _not_fixed(value)


def _pins(operator: str, key: str, value: Any) -> bool:
    operator, key = operator.lower(), key.lower()
    if ("not" in operator or operator.endswith("ifexists") or operator == "null"
            or operator.startswith("forallvalues:")):
        return False
    values = _values(value)
    return key in PINNING_KEYS and bool(values) and all(_fixed_value(key, v) for v in values)


def _is_pinned(statement: dict) -> bool:
    conditions = statement.get("Condition")
    if not isinstance(conditions, dict):
        return False
    return any(isinstance(keys, dict) and any(_pins(operator, key, value) for key, value in keys.items())
               for operator, keys in conditions.items())


def statement_is_public(statement: Any) -> bool:
    if not isinstance(statement, dict) or statement.get("Effect") != "Allow":
        return False
    open_to_all = "NotPrincipal" in statement or _principal_is_public(statement.get("Principal"))
    return open_to_all and not _is_pinned(statement)


def policy_is_public(policy: bytes | str | None) -> bool:
    """IsPublic of GetBucketPolicyStatus for a stored policy document (text as PutBucketPolicy received it)."""
    try:
        document = json.loads(policy or "")
    except (ValueError, TypeError):
        return False
    return any(statement_is_public(s) for s in _statements(document))
