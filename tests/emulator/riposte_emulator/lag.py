"""The lag switch: configuration reads return the previous value for a while after a write (eventual consistency).

moto applies every write at once and the next read sees it; AWS documents that its control planes do not promise
that. Switched on (`POST /_riposte/lag {"ms": N, "services"?: [...]}` or RIPOSTE_EMULATOR_LAG_MS=N for the whole
process; OFF by default), a read listed in READS answers, for N ms after a write listed in WRITES, what it would
have answered before the write. What each service's documentation says, and what is modelled:

- SQS, SetQueueAttributes → GetQueueAttributes. SQS API Reference, SetQueueAttributes: "When you change a queue's
  attributes, the change can take up to 60 seconds for most of the attributes to propagate throughout the Amazon
  SQS system."
- S3 bucket configuration, Put/DeletePublicAccessBlock, PutBucketAcl, Put/DeleteBucketPolicy, PutBucketLogging →
  GetPublicAccessBlock, GetBucketAcl, GetBucketPolicy, GetBucketPolicyStatus, GetBucketLogging. S3 User Guide,
  "Amazon S3 data consistency model": strong read-after-write consistency covers objects, while "Bucket
  configurations have an eventual consistency model" (e.g. a deleted bucket still listed, versioning on a new
  bucket "might take a short amount of time" to propagate).
- IAM, UpdateAccessKey → ListAccessKeys; Attach/DetachUserPolicy → ListAttachedUserPolicies; Put/DeleteUserPolicy
  → GetUserPolicy/ListUserPolicies; Attach/DetachRolePolicy → ListAttachedRolePolicies; Put/DeleteRolePolicy →
  GetRolePolicy/ListRolePolicies; Update/DeleteAccountPasswordPolicy → GetAccountPasswordPolicy. IAM User Guide,
  Troubleshooting, "Changes that I make are not always immediately visible": IAM "uses a distributed computing
  model called eventual consistency. Any change that you make in IAM (or other AWS services) takes time to become
  visible from all possible endpoints."
- EC2, Authorize/RevokeSecurityGroupIngress/Egress → DescribeSecurityGroups, DescribeSecurityGroupRules;
  ModifyInstanceMetadataOptions, ModifyInstanceAttribute → DescribeInstances, DescribeInstanceAttribute. EC2 API
  Reference, "Eventual consistency in the Amazon EC2 API": "the result of an API command you run that affects your
  Amazon EC2 resources might not be immediately visible to all subsequent commands you run"; it names "modifying
  resources (for example, changing security group rules or instance attributes)" among the cases.

How: the state a read shows is kept in moto's model objects (a queue's attributes, a bucket's `acl`/`policy`/
`public_access_block`/`logging`, a user's `access_keys`/key `status`/`managed_policies`/`policies`, a role's
`policies`/`managed_policies`, the account's `account_password_policy`, a group's `ingress_rules`/
`egress_rules`, an instance's `metadata_options`, `security_groups` and ModifyInstanceAttribute attributes). Before
a lagged write the middleware copies those slots in the caller's account and region; after it, each slot the
write changed gets a history entry (write time, value before). A lagged read runs against the state as of
`now - ms`: the slots with an entry younger than `ms` are swapped to the value before the oldest such write, the
read runs, and the live values are put back. Lagged writes and reads are serialized by one lock (only while the
switch is on), so nothing else sees a swapped slot. This answers a read of ANY shape (filters, several resources)
as AWS's stale replica would: the whole configuration as it was, not a cached body of one earlier request.
The writer does not read its own write either: AWS promises read-after-write to nobody on these APIs.
Writes still act on the real current state (a second revoke of a revoked rule fails as on AWS).

Set-up and inspection are not the system under test: a caller that names its account with `x-moto-account-id`, or
acts through a session of a role in `exempt_roles` (default OrganizationAccountAccessRole, which the scenarios use to
build member accounts and the tests use to inspect them; RIPOSTE_EMULATOR_LAG_EXEMPT_ROLES, `-` for none), writes
without lag and reads the real state. So with the switch on, only the hub's own reads go stale, after anyone's
lagged write except set-up's.
"""

import json
import os
import threading
import time
from typing import Any, Callable, Iterable

MAX_LAG_MS = 120_000
ENV_MS = "RIPOSTE_EMULATOR_LAG_MS"
ENV_SERVICES = "RIPOSTE_EMULATOR_LAG_SERVICES"  # comma list; default: all of WRITES
ENV_EXEMPT = "RIPOSTE_EMULATOR_LAG_EXEMPT_ROLES"  # comma list of role names; "-": none
ENV_LOG = "RIPOSTE_EMULATOR_LAG_LOG"  # a path: each read answered stale is appended as a JSON line
DEFAULT_EXEMPT = frozenset({"OrganizationAccountAccessRole"})

WRITES: dict[str, frozenset[str]] = {
    "sqs": frozenset({"SetQueueAttributes"}),
    "s3": frozenset({"PutPublicAccessBlock", "DeletePublicAccessBlock", "PutBucketAcl", "PutBucketPolicy",
                     "DeleteBucketPolicy", "PutBucketLogging"}),
    "iam": frozenset({"UpdateAccessKey", "AttachUserPolicy", "DetachUserPolicy", "PutUserPolicy",
                      "DeleteUserPolicy", "AttachRolePolicy", "DetachRolePolicy", "PutRolePolicy",
                      "DeleteRolePolicy", "UpdateAccountPasswordPolicy", "DeleteAccountPasswordPolicy"}),
    "ec2": frozenset({"AuthorizeSecurityGroupIngress", "AuthorizeSecurityGroupEgress",
                      "RevokeSecurityGroupIngress", "RevokeSecurityGroupEgress", "ModifyInstanceMetadataOptions",
                      "ModifyInstanceAttribute"}),
}
READS: dict[str, frozenset[str]] = {
    "sqs": frozenset({"GetQueueAttributes"}),
    "s3": frozenset({"GetPublicAccessBlock", "GetBucketAcl", "GetBucketPolicy", "GetBucketPolicyStatus",
                     "GetBucketLogging"}),
    "iam": frozenset({"ListAccessKeys", "ListAttachedUserPolicies", "ListUserPolicies", "GetUserPolicy",
                      "ListAttachedRolePolicies", "ListRolePolicies", "GetRolePolicy",
                      "GetAccountPasswordPolicy"}),
    "ec2": frozenset({"DescribeSecurityGroups", "DescribeSecurityGroupRules", "DescribeInstances",
                      "DescribeInstanceAttribute"}),
}
SERVICES = tuple(WRITES)

# Queue attributes that are not configuration (messages, identity, bookkeeping) are never rolled back.
_SQS_SKIP = frozenset({"_messages", "_pending_messages", "deleted_messages", "_messages_lock", "last_purged_at",
                       "lambda_event_source_mappings", "tags", "permissions", "name", "_name", "region",
                       "account_id", "created_timestamp", "queue_arn"})
_BUCKET_SLOTS = ("acl", "policy", "public_access_block", "logging")
# Instance.VALID_ATTRIBUTES as moto stores them (ModifyInstanceAttribute setattr's these), plus what
# ModifyInstanceMetadataOptions and ModifyInstanceAttribute GroupId replace.
_INSTANCE_SLOTS = ("metadata_options", "security_groups", "instance_type", "kernel", "ramdisk", "user_data",
                   "disable_api_termination", "instance_initiated_shutdown_behavior", "source_dest_check",
                   "ebs_optimized", "sriov_net_support", "disable_api_stop")
_MISSING = object()
DEFAULT_ACCOUNT = "123456789012"


class LagError(ValueError):
    """A posted setting the switch refuses (answered 400)."""


# ------------------------------------------------------------------ the setting

def _env_default() -> tuple[int, frozenset[str], frozenset[str]]:
    raw = os.environ.get(ENV_MS, "").strip()
    try:
        ms = max(0, min(MAX_LAG_MS, int(raw))) if raw else 0
    except ValueError:
        ms = 0
    names = [s.strip() for s in os.environ.get(ENV_SERVICES, "").split(",") if s.strip()]
    roles = os.environ.get(ENV_EXEMPT)
    exempt = DEFAULT_EXEMPT if roles is None else frozenset(
        r.strip() for r in roles.split(",") if r.strip() and r.strip() != "-")
    return ms, frozenset(n for n in names if n in WRITES) or frozenset(SERVICES), exempt


def parse(body: Any) -> tuple[int, frozenset[str], frozenset[str]]:
    """(ms, services, exempt roles) from {"ms": N, "services": optional list, "exempt_roles": optional list}."""
    if not isinstance(body, dict):
        raise LagError('lag is a JSON object {"ms": N, "services": optional list, "exempt_roles": optional list}')
    unknown = sorted(set(body) - {"ms", "services", "exempt_roles"})
    if unknown:
        raise LagError(f"unknown field(s) {unknown}; lag has ['exempt_roles', 'ms', 'services']")
    ms = body.get("ms")
    if isinstance(ms, bool) or not isinstance(ms, int) or not 0 <= ms <= MAX_LAG_MS:
        raise LagError(f"ms is required, an integer 0-{MAX_LAG_MS}")
    exempt = body.get("exempt_roles", sorted(DEFAULT_EXEMPT))
    if not isinstance(exempt, list) or not all(isinstance(r, str) for r in exempt):
        raise LagError("exempt_roles must be a list of role names")
    services = body.get("services")
    if services is None:
        return ms, frozenset(SERVICES), frozenset(exempt)
    if not isinstance(services, list) or not services or not all(isinstance(s, str) for s in services):
        raise LagError("services must be a non-empty list of service names")
    bad = sorted(set(services) - set(SERVICES))
    if bad:
        raise LagError(f"no lag model for {bad}; services are {list(SERVICES)}")
    return ms, frozenset(services), frozenset(exempt)


# ------------------------------------------------------------------ slots: (object, attribute) pairs

def _copy(value: Any) -> Any:
    """A copy of the container moto may mutate in place (append a rule, add a policy); objects stay shared."""
    if isinstance(value, list):
        return list(value)
    if isinstance(value, dict):
        return dict(value)
    if isinstance(value, set):
        return set(value)
    return value


def _freeze(value: Any) -> Any:
    """A comparable fingerprint: plain data by value, model objects by identity (moto replaces them on write)."""
    if value is None or isinstance(value, (str, int, float, bool, bytes)):
        return value
    if isinstance(value, dict):
        return ("d", tuple(sorted((repr(k), _freeze(v)) for k, v in value.items())))
    if isinstance(value, (list, tuple)):
        return ("l", tuple(_freeze(v) for v in value))
    if isinstance(value, (set, frozenset)):
        return ("s", tuple(sorted(repr(_freeze(v)) for v in value)))
    return ("o", id(value))


def _sqs_slots(account: str, region: str, environ: dict) -> list[tuple[Any, str]]:
    from moto.sqs.models import sqs_backends

    backend = sqs_backends[account][region]
    return [(q, attr) for q in list(backend.queues.values()) for attr in list(vars(q)) if attr not in _SQS_SKIP]


def _s3_slots(account: str, region: str, environ: dict) -> list[tuple[Any, str]]:
    from moto.s3.models import s3_backends

    name = (environ.get("PATH_INFO") or "/").lstrip("/").split("/", 1)[0]
    placement = s3_backends.bucket_accounts.get(name) if name else None
    if not placement:
        return []
    bucket = s3_backends[placement[1]][placement[0]].buckets.get(name)
    return [(bucket, attr) for attr in _BUCKET_SLOTS] if bucket is not None else []


def _iam_slots(account: str, region: str, environ: dict) -> list[tuple[Any, str]]:
    from moto.iam.models import iam_backends
    from moto.utilities.utils import get_partition

    backend = iam_backends[account][get_partition(region)]
    slots: list[tuple[Any, str]] = [(backend, "account_password_policy")]
    for user in list(backend.users.values()):
        slots += [(user, "access_keys"), (user, "managed_policies"), (user, "policies")]
        slots += [(key, "status") for key in list(user.access_keys)]
    for role in list(backend.roles.values()):
        slots += [(role, "policies"), (role, "managed_policies")]
    return slots


def _ec2_slots(account: str, region: str, environ: dict) -> list[tuple[Any, str]]:
    from moto.ec2.models import ec2_backends

    backend = ec2_backends[account][region]
    slots: list[tuple[Any, str]] = []
    for groups in list(backend.groups.values()):
        for group in list(groups.values()):
            slots += [(group, "ingress_rules"), (group, "egress_rules")]
    for reservation in list(backend.reservations.values()):
        for instance in list(reservation.instances):
            slots += [(instance, attr) for attr in _INSTANCE_SLOTS if attr in vars(instance)]
    return slots


SLOTS: dict[str, Callable[[str, str, dict], list[tuple[Any, str]]]] = {
    "sqs": _sqs_slots, "s3": _s3_slots, "iam": _iam_slots, "ec2": _ec2_slots}


# ------------------------------------------------------------------ the switch and its history

class Lag:
    """Setting, history of changed slots, and the one lock lagged calls take."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self._ms, self._services, self._exempt = _env_default()
        self._roles: dict[str, str] = {}  # session access key -> role name
        # (id(obj), attr) -> [obj, attr, service, [(monotonic write time, value before), ...]]
        self._history: dict[tuple[int, str], list[Any]] = {}

    def set(self, ms: int, services: frozenset[str], exempt: frozenset[str] = DEFAULT_EXEMPT) -> dict[str, Any]:
        with self.lock:
            self._ms, self._services, self._exempt = ms, services, exempt
            if not ms:
                self._history.clear()
        return self.view()

    def view(self) -> dict[str, Any]:
        with self.lock:
            self._prune(time.monotonic())
            return {"ms": self._ms, "services": sorted(self._services), "exempt_roles": sorted(self._exempt),
                    "lagging": len(self._history)}

    def reset(self) -> dict[str, Any]:
        """Back to the process default (RIPOSTE_EMULATOR_LAG_MS); history dropped (after moto's reset)."""
        with self.lock:
            self._ms, self._services, self._exempt = _env_default()
            self._history.clear()
            self._roles.clear()
        return self.view()

    def applies(self, service: str | None) -> bool:
        return bool(self._ms) and service in self._services

    def exempt(self, environ: dict, call: dict[str, Any]) -> bool:
        """Set-up or inspection: x-moto-account-id, or a session of an exempt role."""
        if environ.get("HTTP_X_MOTO_ACCOUNT_ID"):
            return True
        key = call.get("access_key_id") or ""
        if not self._exempt or not key.startswith("ASIA"):
            return False
        if key not in self._roles:
            from .recorder import issued_credentials

            for session in issued_credentials():
                self._roles[session["access_key_id"]] = session["role_arn"].rsplit("/", 1)[-1]
        return self._roles.get(key) in self._exempt

    def _prune(self, now: float) -> None:
        horizon = now - self._ms / 1000
        for key in list(self._history):
            entries = self._history[key][3]
            while entries and entries[0][0] <= horizon:
                entries.pop(0)
            if not entries:
                del self._history[key]

    def capture(self, slots: list[tuple[Any, str]]) -> list[tuple[Any, str, Any, Any]]:
        out = []
        for obj, attr in slots:
            value = getattr(obj, attr, _MISSING)
            out.append((obj, attr, _copy(value), _freeze(value)))
        return out

    def record(self, service: str, before: list[tuple[Any, str, Any, Any]]) -> None:
        """After a write: a history entry for each slot whose value the write changed."""
        now = time.monotonic()
        self._prune(now)
        for obj, attr, old, fingerprint in before:
            if _freeze(getattr(obj, attr, _MISSING)) == fingerprint:
                continue
            entry = self._history.setdefault((id(obj), attr), [obj, attr, service, []])
            entry[3].append((now, old))

    def stale(self, service: str) -> list[tuple[Any, str, Any]]:
        """(obj, attr, value as of now - ms) for every slot of the service a recent write changed."""
        self._prune(time.monotonic())
        return [(obj, attr, entries[0][1]) for obj, attr, svc, entries in self._history.values() if svc == service]


LAG = Lag()


# ------------------------------------------------------------------ WSGI

def _materialize(result: Iterable[bytes]) -> list[bytes]:
    try:
        return [b"".join(result)]
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()


def _set(obj: Any, attr: str, value: Any) -> None:
    if value is _MISSING:
        if attr in vars(obj):
            delattr(obj, attr)
    else:
        setattr(obj, attr, value)


def _name(obj: Any) -> str:
    """A readable name for a slot's owner in the stale-read log."""
    for attr in ("name", "group_id", "id", "access_key_id", "arn"):
        value = vars(obj).get(attr) if hasattr(obj, "__dict__") else None
        if isinstance(value, str):
            return f"{type(obj).__name__}:{value}"
    value = getattr(obj, "id", None) or getattr(obj, "name", None)
    return f"{type(obj).__name__}:{value}" if isinstance(value, str) else type(obj).__name__


def _log_stale(call: dict[str, Any], stale: list[tuple[Any, str, Any]]) -> None:
    path = os.environ.get(ENV_LOG)
    if not path or not stale:
        return
    record = {key: call.get(key) for key in ("time", "service", "operation", "account_id", "access_key_id",
                                              "region", "path", "query")}
    record["stale"] = sorted({f"{_name(obj)}.{attr}" for obj, attr, _ in stale})
    try:
        with open(path, "a", encoding="utf-8") as out:
            out.write(json.dumps(record, default=str) + "\n")
    except OSError:
        pass


class LagMiddleware:
    """Between the recorder and moto; a pass-through while the switch is off."""

    def __init__(self, app: Callable) -> None:
        self.app = app

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if not LAG._ms or (environ.get("PATH_INFO") or "").startswith(("/moto-api", "/_riposte")):
            return self.app(environ, start_response)
        from .recorder import describe_call

        call = describe_call(environ)
        service, operation = call.get("service"), call.get("operation")
        if not LAG.applies(service) or operation not in WRITES[service] | READS[service]:
            return self.app(environ, start_response)
        if LAG.exempt(environ, call):  # the real state, in or out; under the lock so no swap is in the way
            with LAG.lock:
                return _materialize(self.app(environ, start_response))
        if operation in WRITES[service]:
            return self._write(service, call, environ, start_response)
        return self._read(service, call, environ, start_response)

    def _write(self, service: str, call: dict, environ: dict, start_response: Callable) -> list[bytes]:
        account = call.get("account_id") or DEFAULT_ACCOUNT
        region = call.get("region") or "us-east-1"
        with LAG.lock:
            try:
                before = LAG.capture(SLOTS[service](account, region, environ))
            except Exception:  # noqa: BLE001 - an unknown account/region/bucket: moto answers the error
                before = []
            body = _materialize(self.app(environ, start_response))
            LAG.record(service, before)
            return body

    def _read(self, service: str, call: dict, environ: dict, start_response: Callable) -> list[bytes]:
        with LAG.lock:
            swapped = []
            try:
                stale = LAG.stale(service)
                _log_stale(call, stale)
                for obj, attr, old in stale:
                    swapped.append((obj, attr, getattr(obj, attr, _MISSING)))
                    _set(obj, attr, _copy(old))
                return _materialize(self.app(environ, start_response))
            finally:
                for obj, attr, live in reversed(swapped):
                    _set(obj, attr, live)


# ------------------------------------------------------------------ control endpoint (switches.py routes it)

def control(method: str, body: Any) -> tuple[int, dict[str, Any]]:
    """GET / POST {"ms", "services"?, "exempt_roles"?} / DELETE on /_riposte/lag → (HTTP status, answer)."""
    if method == "GET":
        return 200, {"lag": LAG.view()}
    if method == "DELETE":
        return 200, {"lag": LAG.set(0, LAG._services, LAG._exempt)}
    if method != "POST":
        return 405, {"error": "use GET, POST or DELETE"}
    try:
        return 200, {"lag": LAG.set(*parse(body))}
    except LagError as e:
        return 400, {"error": str(e)}
