"""Security Hub action targets and finding aggregators (one aggregator per account, in its home Region), plus
the NextToken paging the Security Hub list operations share. Stored on moto's SecurityHubBackend."""

import base64
import json
import threading
import uuid
from typing import Any

from moto.securityhub.models import SecurityHubBackend, securityhub_backends

from .errors import (
    InvalidInputException,
    LimitExceededException,
    ResourceConflictException,
    ResourceNotFoundException,
)
from .errors import invalid_parameter as _bad
from .errors import require_enabled as _require_enabled

_LOCK = threading.RLock()
LINKING_MODES = {"ALL_REGIONS", "ALL_REGIONS_EXCEPT_SPECIFIED", "SPECIFIED_REGIONS", "NO_REGIONS"}


def paginate(items: list, next_token: str | None, max_results: Any, default: int,
             op: str) -> tuple[list, str | None]:
    """One page of items; the NextToken is an opaque offset."""
    limit = default if max_results in (None, "") else int(max_results)
    if not 1 <= limit <= 100:
        raise InvalidInputException(f"{op}: MaxResults must be a number between 1 and 100")
    start = 0
    if next_token:
        try:
            start = int(json.loads(base64.b64decode(next_token))["offset"])
        except Exception:
            raise InvalidInputException(f"{op}: invalid NextToken")
    end = start + limit
    token = base64.b64encode(json.dumps({"offset": end}).encode()).decode() if end < len(items) else None
    return items[start:end], token


# ---------------------------------------------------------------- action targets

def _targets(backend: SecurityHubBackend) -> dict:
    if not hasattr(backend, "riposte_action_targets"):
        backend.riposte_action_targets = {}
    return backend.riposte_action_targets


def create_action_target(self: SecurityHubBackend, params: dict) -> dict:
    _require_enabled(self)
    target_id, name, description = params.get("Id") or "", params.get("Name") or "", params.get("Description")
    if not (1 <= len(target_id) <= 20 and target_id.isalnum() and target_id.isascii()):
        raise _bad("Id", "must be 1 to 20 alphanumeric characters")
    if not 1 <= len(name) <= 20:
        raise _bad("Name", "must be 1 to 20 characters")
    if not description:
        raise _bad("Description", "is required")
    arn = f"arn:{self.partition}:securityhub:{self.region_name}:{self.account_id}:action/custom/{target_id}"
    with _LOCK:
        if arn in _targets(self):
            raise ResourceConflictException(f"An action target with the ARN {arn} already exists")
        _targets(self)[arn] = {"ActionTargetArn": arn, "Name": name, "Description": description}
    return {"ActionTargetArn": arn}


def _target(backend: SecurityHubBackend, arn: str) -> dict:
    found = _targets(backend).get(arn)
    if found is None:
        raise ResourceNotFoundException(f"Action target {arn} not found")
    return found


def describe_action_targets(self: SecurityHubBackend, params: dict) -> dict:
    _require_enabled(self)
    arns = params.get("ActionTargetArns")
    targets = [_target(self, a) for a in arns] if arns else list(_targets(self).values())
    page, token = paginate([dict(t) for t in targets], params.get("NextToken"), params.get("MaxResults"), 100,
                        "DescribeActionTargets")
    return {"ActionTargets": page, **({"NextToken": token} if token else {})}


def update_action_target(self: SecurityHubBackend, arn: str, params: dict) -> dict:
    _require_enabled(self)
    target = _target(self, arn)
    target.update({k: params[k] for k in ("Name", "Description") if params.get(k)})
    return {}


def delete_action_target(self: SecurityHubBackend, arn: str) -> dict:
    _require_enabled(self)
    _target(self, arn)
    del _targets(self)[arn]
    return {"ActionTargetArn": arn}


# ---------------------------------------------------------------- finding aggregators (one per account)

def _aggregators(account_id: str) -> list[dict]:
    return [b.riposte_aggregator for b in list(securityhub_backends[account_id].values())
            if getattr(b, "riposte_aggregator", None)]


def _validated_linking(params: dict) -> tuple[str, list]:
    mode, regions = params.get("RegionLinkingMode"), params.get("Regions") or []
    if mode not in LINKING_MODES:
        raise _bad("RegionLinkingMode", f"should be equal to one of the allowed values {sorted(LINKING_MODES)}")
    if mode == "NO_REGIONS" and regions:
        raise InvalidInputException("Regions must be empty when RegionLinkingMode is NO_REGIONS")
    if mode in ("SPECIFIED_REGIONS", "ALL_REGIONS_EXCEPT_SPECIFIED") and not regions:
        raise InvalidInputException(f"Regions is required when RegionLinkingMode is {mode}")
    return mode, list(regions)


def create_finding_aggregator(self: SecurityHubBackend, params: dict) -> dict:
    _require_enabled(self)
    mode, regions = _validated_linking(params)
    with _LOCK:
        if _aggregators(self.account_id):
            raise LimitExceededException("A finding aggregator already exists for this account")
        self.riposte_aggregator = {
            "FindingAggregatorArn": f"arn:{self.partition}:securityhub:{self.region_name}:{self.account_id}"
                                    f":finding-aggregator/{uuid.uuid4()}",
            "FindingAggregationRegion": self.region_name, "RegionLinkingMode": mode, "Regions": regions,
        }
    return dict(self.riposte_aggregator)


def _aggregator(backend: SecurityHubBackend, arn: str) -> dict:
    for aggregator in _aggregators(backend.account_id):
        if aggregator["FindingAggregatorArn"] == arn:
            return aggregator
    raise ResourceNotFoundException(f"Finding aggregator {arn} not found")


def get_finding_aggregator(self: SecurityHubBackend, arn: str) -> dict:
    _require_enabled(self)
    return dict(_aggregator(self, arn))


def list_finding_aggregators(self: SecurityHubBackend, params: dict) -> dict:
    items = [{"FindingAggregatorArn": a["FindingAggregatorArn"]} for a in _aggregators(self.account_id)]
    page, token = paginate(items, params.get("NextToken"), params.get("MaxResults"), 100, "ListFindingAggregators")
    return {"FindingAggregators": page, **({"NextToken": token} if token else {})}


def update_finding_aggregator(self: SecurityHubBackend, params: dict) -> dict:
    _require_enabled(self)
    aggregator = _aggregator(self, params.get("FindingAggregatorArn", ""))
    if aggregator["FindingAggregationRegion"] != self.region_name:
        raise InvalidInputException("UpdateFindingAggregator can only be called from the home Region")
    aggregator["RegionLinkingMode"], aggregator["Regions"] = _validated_linking(params)
    return dict(aggregator)


def delete_finding_aggregator(self: SecurityHubBackend, arn: str) -> dict:
    _require_enabled(self)
    aggregator = _aggregator(self, arn)
    securityhub_backends[self.account_id][aggregator["FindingAggregationRegion"]].riposte_aggregator = None
    return {}
