"""Security Hub operations moto 5.2.5 lacks or gets wrong, patched into its backend, response class and URL map.

Adds BatchUpdateFindings and a filtering/paging GetFindings, replaces BatchImportFindings (defaults, provider vs
customer field ownership, Imported events) and wires in action targets and finding aggregators
(securityhub_settings). State lives on moto's SecurityHubBackend (one per account and region), so
`POST /moto-api/reset` clears it.
"""

import copy
import json
import threading
from typing import Any

from moto.securityhub import urls as securityhub_urls
from moto.securityhub.models import Finding, SecurityHubBackend
from moto.securityhub.responses import SecurityHubResponse

from . import finding_filters
from . import securityhub_settings as settings
from .errors import InvalidInputException
from .errors import invalid_parameter as _bad
from .errors import require_enabled as _require_enabled
from .journal import iso_millis, record_imported_event, utc_now

_LOCK = threading.RLock()

# Fields the customer owns: after creation BatchImportFindings cannot change them (botocore docs).
CUSTOMER_FIELDS = ("Note", "UserDefinedFields", "VerificationState", "Workflow")
REQUIRED_FIELDS = ("SchemaVersion", "Id", "ProductArn", "GeneratorId", "AwsAccountId", "CreatedAt", "UpdatedAt",
                   "Title", "Description", "Resources")
WORKFLOW_STATUSES = {"NEW", "NOTIFIED", "RESOLVED", "SUPPRESSED"}
VERIFICATION_STATES = {"UNKNOWN", "TRUE_POSITIVE", "FALSE_POSITIVE", "BENIGN_POSITIVE"}
SEVERITY_LABELS = {"INFORMATIONAL": 0, "LOW": 1, "MEDIUM": 40, "HIGH": 70, "CRITICAL": 90}
PRODUCT_NAMES = {"securityhub": ("Security Hub", "AWS"), "guardduty": ("GuardDuty", "Amazon"),
                 "inspector": ("Inspector", "Amazon"), "macie": ("Macie", "Amazon"),
                 "access-analyzer": ("IAM Access Analyzer", "AWS"), "config": ("Config", "AWS")}


def _lookup(backend: SecurityHubBackend, finding_id: str, product_arn: str | None) -> Finding | None:
    for stored in backend.findings:
        if stored.id == finding_id and (product_arn is None or stored.data.get("ProductArn") == product_arn):
            return stored
    return None


def _label_for(normalized: int) -> str:
    return next(label for label, floor in sorted(SEVERITY_LABELS.items(), key=lambda i: -i[1]) if normalized >= floor)


# ---------------------------------------------------------------- BatchImportFindings

def _import_problem(data: Any) -> str | None:
    if not isinstance(data, dict):
        return "Finding must be an object"
    missing = [f for f in REQUIRED_FIELDS if f not in data]
    if missing:
        return f"Finding is missing required field(s): {', '.join(missing)}"
    if not isinstance(data["Resources"], list) or not data["Resources"]:
        return "Finding must contain at least one resource in the Resources array"
    return None


def _with_service_defaults(backend: SecurityHubBackend, data: dict) -> dict:
    finding = copy.deepcopy(data)
    product = str(finding["ProductArn"]).rsplit("/", 1)[-1]
    name, company = PRODUCT_NAMES.get(product, (product, "Personal"))
    finding.setdefault("ProductName", name)
    finding.setdefault("CompanyName", company)
    finding.setdefault("Region", backend.region_name)
    finding.setdefault("Workflow", {"Status": "NEW"})
    finding.setdefault("WorkflowState", "NEW")
    finding.setdefault("RecordState", "ACTIVE")
    finding["ProcessedAt"] = iso_millis(utc_now())
    return finding


def _merge_reimport(old: dict, new: dict) -> dict:
    for field in CUSTOMER_FIELDS:
        new.pop(field, None)
        if field in old:
            new[field] = copy.deepcopy(old[field])
    # The service resets NOTIFIED/RESOLVED to NEW on ARCHIVED->ACTIVE and on PASSED->WARNING/FAILED/NOT_AVAILABLE.
    reopened = old.get("RecordState") == "ARCHIVED" and new.get("RecordState") == "ACTIVE"
    regressed = (old.get("Compliance") or {}).get("Status") == "PASSED" and (new.get("Compliance") or {}).get(
        "Status") in ("WARNING", "FAILED", "NOT_AVAILABLE")
    if (reopened or regressed) and (new.get("Workflow") or {}).get("Status") in ("NOTIFIED", "RESOLVED"):
        new["Workflow"] = {"Status": "NEW"}
    return new


def batch_import_findings(self: SecurityHubBackend, findings: list) -> tuple[int, int, list]:
    _require_enabled(self)
    if not isinstance(findings, list) or not 1 <= len(findings) <= 100:
        raise _bad("Findings", "should have between 1 and 100 items")
    failed: list[dict] = []
    with _LOCK:
        for data in findings:
            problem = _import_problem(data)
            if problem:
                finding_id = data.get("Id", "") if isinstance(data, dict) else ""
                failed.append({"Id": finding_id, "ErrorCode": "InvalidInput", "ErrorMessage": problem})
                continue
            finding = _with_service_defaults(self, data)
            existing = _lookup(self, finding["Id"], finding["ProductArn"])
            if existing:
                existing.data = _merge_reimport(existing.data, finding)
                stored = existing.data
            else:
                self.findings.append(Finding(finding["Id"], finding))
                stored = finding
            record_imported_event(self.account_id, self.region_name, stored)
    return len(failed), len(findings) - len(failed), failed


# ---------------------------------------------------------------- BatchUpdateFindings

def _validated_update(params: dict) -> dict:
    update = {k: params[k] for k in ("Note", "Severity", "VerificationState", "Confidence", "Criticality", "Types",
                                     "UserDefinedFields", "Workflow", "RelatedFindings") if params.get(k) is not None}
    if not update:
        raise InvalidInputException("BatchUpdateFindings needs at least one field to update")
    note = update.get("Note")
    if note is not None:
        for key in ("Text", "UpdatedBy"):
            if not isinstance(note.get(key), str) or not 1 <= len(note[key]) <= 512:
                raise _bad(f"Note.{key}", "is required and must be 1 to 512 characters")
    udf = update.get("UserDefinedFields")
    if udf is not None:
        if len(udf) > 50:
            raise _bad("UserDefinedFields", "should NOT have more than 50 properties")
        for key, value in udf.items():
            if not 1 <= len(key) <= 128 or not isinstance(value, str) or len(value) > 1024:
                raise _bad("UserDefinedFields", f"entry '{key[:40]}' exceeds key 128 / value 1024 characters")
    status = (update.get("Workflow") or {}).get("Status")
    if "Workflow" in update and status not in WORKFLOW_STATUSES:
        raise _bad("Workflow.Status", f"should be equal to one of the allowed values {sorted(WORKFLOW_STATUSES)}")
    if "VerificationState" in update and update["VerificationState"] not in VERIFICATION_STATES:
        raise _bad("VerificationState", f"should be equal to one of the allowed values {sorted(VERIFICATION_STATES)}")
    for key in ("Confidence", "Criticality"):
        if key in update and not 0 <= int(update[key]) <= 100:
            raise _bad(key, "should be between 0 and 100")
    severity = update.get("Severity")
    if severity is not None:
        if severity.get("Label") is not None and severity["Label"] not in SEVERITY_LABELS:
            raise _bad("Severity.Label", f"should be equal to one of the allowed values {sorted(SEVERITY_LABELS)}")
        if severity.get("Normalized") is not None and not 0 <= int(severity["Normalized"]) <= 100:
            raise _bad("Severity.Normalized", "should be between 0 and 100")
    return update


def _apply(finding: dict, update: dict, now: str) -> dict:
    result = copy.deepcopy(finding)
    for key, value in update.items():
        if key == "Note":
            result["Note"] = {"Text": value["Text"], "UpdatedBy": value["UpdatedBy"], "UpdatedAt": now}
        elif key == "UserDefinedFields":
            result["UserDefinedFields"] = {**(result.get("UserDefinedFields") or {}), **value}
        elif key == "Severity":
            severity = {**(result.get("Severity") or {}), **value}
            if value.get("Normalized") is not None and value.get("Label") is None:
                severity["Label"] = _label_for(int(value["Normalized"]))
            result["Severity"] = severity
        elif key == "Workflow":
            result["Workflow"] = {"Status": value["Status"]}
        else:
            result[key] = copy.deepcopy(value)
    return result


def batch_update_findings(self: SecurityHubBackend, params: dict) -> dict:
    _require_enabled(self)
    identifiers = params.get("FindingIdentifiers")
    if not isinstance(identifiers, list) or not identifiers:
        raise _bad("FindingIdentifiers", "should NOT have fewer than 1 items")
    if len(identifiers) > 100:
        raise _bad("FindingIdentifiers", "should NOT have more than 100 items")
    update = _validated_update(params)
    processed, unprocessed, seen = [], [], set()
    now = iso_millis(utc_now())

    def refuse(ident: dict, code: str, message: str) -> None:
        unprocessed.append({"FindingIdentifier": ident, "ErrorCode": code, "ErrorMessage": message})

    with _LOCK:
        for ident in identifiers:
            key = (ident.get("Id"), ident.get("ProductArn"))
            if key in seen:
                refuse(ident, "DuplicatedFindingIdentifier", "Finding Identifier is duplicated")
                continue
            seen.add(key)
            stored = _lookup(self, ident.get("Id"), ident.get("ProductArn"))
            if stored is None:
                refuse(ident, "FindingNotFound", "Finding Not Found")
                continue
            updated = _apply(stored.data, update, now)
            if len(updated.get("UserDefinedFields") or {}) > 50:
                refuse(ident, "InvalidInput", "Invalid Input")
                continue
            if updated != stored.data:
                updated["ProcessedAt"] = now
                stored.data = updated
                record_imported_event(self.account_id, self.region_name, updated)
            processed.append({"Id": key[0], "ProductArn": key[1]})
    return {"ProcessedFindings": processed, "UnprocessedFindings": unprocessed}


# ---------------------------------------------------------------- GetFindings

def get_findings(self: SecurityHubBackend, params: dict) -> dict:
    _require_enabled(self)
    filters = params.get("Filters") or {}
    finding_filters.validate(filters)
    now = utc_now()
    with _LOCK:
        found = [copy.deepcopy(f.data) for f in self.findings if finding_filters.matches(f.data, filters, now)]
    found = finding_filters.sort(found, params.get("SortCriteria"))
    page, token = settings.paginate(found, params.get("NextToken"), params.get("MaxResults"), 100, "GetFindings")
    return {"Findings": page, **({"NextToken": token} if token else {})}


# ---------------------------------------------------------------- wiring into moto

def _body(response: SecurityHubResponse) -> dict:
    raw = response.body
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8")
    return json.loads(raw) if raw else {}


def _query(response: SecurityHubResponse) -> dict:
    return {k: v[0] for k, v in response.querystring.items() if isinstance(v, list) and v}


def _handler(fn, source):
    def method(response: SecurityHubResponse) -> str:
        return json.dumps(fn(response.securityhub_backend, *source(response)))

    method.__name__ = fn.__name__
    return method


def _arn(response: SecurityHubResponse, name: str) -> str:
    return response.uri_match.get(name, "")


RESPONSES = {
    "batch_update_findings": (batch_update_findings, lambda r: [_body(r)]),
    "get_findings": (get_findings, lambda r: [_body(r)]),
    "create_action_target": (settings.create_action_target, lambda r: [_body(r)]),
    "describe_action_targets": (settings.describe_action_targets, lambda r: [_body(r)]),
    "update_action_target": (settings.update_action_target, lambda r: [_arn(r, "ActionTargetArn"), _body(r)]),
    "delete_action_target": (settings.delete_action_target, lambda r: [_arn(r, "ActionTargetArn")]),
    "create_finding_aggregator": (settings.create_finding_aggregator, lambda r: [_body(r)]),
    "get_finding_aggregator": (settings.get_finding_aggregator, lambda r: [_arn(r, "FindingAggregatorArn")]),
    "list_finding_aggregators": (settings.list_finding_aggregators, lambda r: [_query(r)]),
    "update_finding_aggregator": (settings.update_finding_aggregator, lambda r: [_body(r)]),
    "delete_finding_aggregator": (settings.delete_finding_aggregator, lambda r: [_arn(r, "FindingAggregatorArn")]),
}

URL_PATHS = [
    "{0}/findings/batchupdate$",
    "{0}/actionTargets$",
    "{0}/actionTargets/get$",
    "{0}/actionTargets/(?P<ActionTargetArn>.+)$",
    "{0}/findingAggregator/create$",
    "{0}/findingAggregator/list$",
    "{0}/findingAggregator/update$",
    "{0}/findingAggregator/get/(?P<FindingAggregatorArn>.+)$",
    "{0}/findingAggregator/delete/(?P<FindingAggregatorArn>.+)$",
]


_original_setup_class = SecurityHubResponse.setup_class


def _setup_class(self: SecurityHubResponse, *args: Any, **kwargs: Any) -> None:
    _original_setup_class(self, *args, **kwargs)
    self.response_headers["Content-Type"] = "application/json"  # moto answers rest-json with text/html


def install() -> None:
    SecurityHubResponse.setup_class = _setup_class
    SecurityHubBackend.batch_import_findings = batch_import_findings
    for name, (fn, source) in RESPONSES.items():
        setattr(SecurityHubResponse, name, _handler(fn, source))
    for path in URL_PATHS:
        securityhub_urls.url_paths[path] = SecurityHubResponse.dispatch
