"""GetFindings filters (AwsSecurityFindingFilters) and SortCriteria, evaluated over ASFF dicts.

Semantics follow the StringFilter/MapFilter documentation in the botocore model: on one field, EQUALS / PREFIX /
CONTAINS filters are OR-ed, NOT_EQUALS / PREFIX_NOT_EQUALS / NOT_CONTAINS filters are AND-ed, and the positive
group is applied before the negative one; different fields are AND-ed. A multi-valued field (Types, Resources[])
matches a positive filter when any value matches and a negative filter when no value matches it.
"""

from datetime import datetime, timedelta
from typing import Any, Callable

from .errors import InvalidInputException


def _get(obj: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    return obj


def _one(*path: str) -> Callable[[dict], list]:
    return lambda f: [v for v in [_get(f, *path)] if v is not None]


def _resources(*path: str) -> Callable[[dict], list]:
    def values(f: dict) -> list:
        found = [_get(r, *path) for r in f.get("Resources") or []]
        return [v for v in found if v is not None]

    return values


def _each(list_path: tuple, *path: str) -> Callable[[dict], list]:
    def values(f: dict) -> list:
        items = _get(f, *list_path) or []
        found = [_get(i, *path) if path else i for i in items]
        return [v for v in found if v is not None]

    return values


STRING_FIELDS: dict[str, Callable[[dict], list]] = {
    "Id": _one("Id"),
    "ProductArn": _one("ProductArn"),
    "AwsAccountId": _one("AwsAccountId"),
    "AwsAccountName": _one("AwsAccountName"),
    "Region": _one("Region"),
    "GeneratorId": _one("GeneratorId"),
    "Type": _each(("Types",)),
    "Title": _one("Title"),
    "Description": _one("Description"),
    "SourceUrl": _one("SourceUrl"),
    "ProductName": _one("ProductName"),
    "CompanyName": _one("CompanyName"),
    "SeverityLabel": _one("Severity", "Label"),
    "RecommendationText": _one("Remediation", "Recommendation", "Text"),
    "ComplianceStatus": _one("Compliance", "Status"),
    "ComplianceSecurityControlId": _one("Compliance", "SecurityControlId"),
    "ComplianceAssociatedStandardsId": _each(("Compliance", "AssociatedStandards"), "StandardsId"),
    "VerificationState": _one("VerificationState"),
    "WorkflowState": _one("WorkflowState"),
    "WorkflowStatus": _one("Workflow", "Status"),
    "RecordState": _one("RecordState"),
    "RelatedFindingsId": _each(("RelatedFindings",), "Id"),
    "RelatedFindingsProductArn": _each(("RelatedFindings",), "ProductArn"),
    "NoteText": _one("Note", "Text"),
    "NoteUpdatedBy": _one("Note", "UpdatedBy"),
    "ResourceType": _resources("Type"),
    "ResourceId": _resources("Id"),
    "ResourcePartition": _resources("Partition"),
    "ResourceRegion": _resources("Region"),
    "ResourceAwsS3BucketOwnerId": _resources("Details", "AwsS3Bucket", "OwnerId"),
    "ResourceAwsS3BucketOwnerName": _resources("Details", "AwsS3Bucket", "OwnerName"),
    "ResourceAwsIamAccessKeyUserName": _resources("Details", "AwsIamAccessKey", "UserName"),
    "ResourceAwsIamAccessKeyPrincipalName": _resources("Details", "AwsIamAccessKey", "PrincipalName"),
    "ResourceAwsIamAccessKeyStatus": _resources("Details", "AwsIamAccessKey", "Status"),
    "ResourceAwsIamUserUserName": _resources("Details", "AwsIamUser", "UserName"),
    "FindingProviderFieldsSeverityLabel": _one("FindingProviderFields", "Severity", "Label"),
    "FindingProviderFieldsSeverityOriginal": _one("FindingProviderFields", "Severity", "Original"),
    "FindingProviderFieldsTypes": _each(("FindingProviderFields", "Types")),
}
MAP_FIELDS: dict[str, Callable[[dict], list]] = {
    "UserDefinedFields": _one("UserDefinedFields"),
    "ProductFields": _one("ProductFields"),
    "ResourceTags": _resources("Tags"),
    "ResourceDetailsOther": _resources("Details", "Other"),
}
DATE_FIELDS: dict[str, Callable[[dict], list]] = {
    name: _one(name) for name in ("CreatedAt", "UpdatedAt", "FirstObservedAt", "LastObservedAt")
}
DATE_FIELDS["NoteUpdatedAt"] = _one("Note", "UpdatedAt")
NUMBER_FIELDS: dict[str, Callable[[dict], list]] = {
    "SeverityNormalized": _one("Severity", "Normalized"),
    "SeverityProduct": _one("Severity", "Product"),
    "Confidence": _one("Confidence"),
    "Criticality": _one("Criticality"),
    "FindingProviderFieldsConfidence": _one("FindingProviderFields", "Confidence"),
    "FindingProviderFieldsCriticality": _one("FindingProviderFields", "Criticality"),
}

POSITIVE = {"EQUALS", "PREFIX", "CONTAINS"}
NEGATIVE = {"NOT_EQUALS", "PREFIX_NOT_EQUALS", "NOT_CONTAINS"}
MAP_COMPARISONS = {"EQUALS", "NOT_EQUALS", "CONTAINS", "NOT_CONTAINS"}


def parse_time(value: str) -> datetime:
    """ASFF timestamps: RFC 3339 with Z or an offset, optional fractional seconds."""
    text = value.strip().replace("Z", "+00:00").replace("z", "+00:00")
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInputException(f"Invalid timestamp '{value}'")
    if parsed.tzinfo is None:
        raise InvalidInputException(f"Invalid timestamp '{value}': a time zone is required")
    return parsed


def validate(filters: dict[str, Any]) -> None:
    """Reject what the real service rejects (bad comparisons, mixing) and what the emulator does not know."""
    if not isinstance(filters, dict):
        raise InvalidInputException("Invalid parameter 'Filters'. data.Filters should be object")
    if len(filters) > 10:
        raise InvalidInputException("Invalid parameter 'Filters'. You can filter by up to 10 finding attributes")
    for name, conditions in filters.items():
        if not isinstance(conditions, list) or len(conditions) > 20:
            raise InvalidInputException(
                f"Invalid parameter 'Filters'. data.Filters.{name} should be an array of at most 20 items"
            )
        if name in STRING_FIELDS or name in MAP_FIELDS:
            allowed = (POSITIVE | NEGATIVE) if name in STRING_FIELDS else MAP_COMPARISONS
            comparisons = {c.get("Comparison") for c in conditions}
            bad = comparisons - allowed
            if bad:
                raise InvalidInputException(
                    f"Invalid parameter 'Filters'. data.Filters.{name}[0].Comparison should be equal to one of "
                    f"the allowed values {sorted(allowed)}"
                )
            if ("CONTAINS" in comparisons or "NOT_CONTAINS" in comparisons) and len(comparisons) > 1:
                raise InvalidInputException(
                    f"Filters for {name}: CONTAINS and NOT_CONTAINS can only be combined with themselves"
                )
            if "EQUALS" in comparisons and comparisons & {"NOT_EQUALS", "PREFIX_NOT_EQUALS"}:
                raise InvalidInputException(
                    f"Filters for {name}: EQUALS cannot be combined with NOT_EQUALS or PREFIX_NOT_EQUALS"
                )
        elif name in DATE_FIELDS:
            for c in conditions:
                if not (c.get("Start") or c.get("End") or c.get("DateRange")):
                    raise InvalidInputException(f"Filters for {name}: a DateFilter needs Start/End or DateRange")
                for key in ("Start", "End"):
                    if c.get(key):
                        parse_time(c[key])
        elif name not in NUMBER_FIELDS:
            raise InvalidInputException(
                f"Filter '{name}' is valid in AWS but not implemented by the riposte emulator"
            )


def _string_match(comparison: str, wanted: str, value: Any) -> bool:
    text = str(value)
    if comparison in ("EQUALS", "NOT_EQUALS"):
        return text == wanted
    if comparison in ("PREFIX", "PREFIX_NOT_EQUALS"):
        return text.startswith(wanted)
    return wanted in text  # CONTAINS / NOT_CONTAINS


def _grouped(values: list, conditions: list, test: Callable[[dict, Any], bool]) -> bool:
    positive = [c for c in conditions if c.get("Comparison") in POSITIVE]
    negative = [c for c in conditions if c.get("Comparison") in NEGATIVE]
    if positive and not any(test(c, v) for c in positive for v in values):
        return False
    return not any(test(c, v) for c in negative for v in values)


def _map_match(values: list, conditions: list) -> bool:
    def test(c: dict, mapping: Any) -> bool:
        if not isinstance(mapping, dict) or c.get("Key") not in mapping:
            return False
        return _string_match(c["Comparison"], c.get("Value", ""), mapping[c["Key"]])

    return _grouped(values, conditions, test)


def _date_match(values: list, conditions: list, now: datetime) -> bool:
    def inside(c: dict, when: datetime) -> bool:
        if c.get("DateRange"):
            days = timedelta(days=int(c["DateRange"].get("Value", 0)))
            if c["DateRange"].get("Comparison", "WITHIN") == "OLDER_THAN":
                return when < now - days
            return when >= now - days
        if c.get("Start") and when < parse_time(c["Start"]):
            return False
        return not (c.get("End") and when > parse_time(c["End"]))

    times = []
    for v in values:
        try:
            times.append(parse_time(str(v)))
        except InvalidInputException:
            continue
    return any(inside(c, t) for c in conditions for t in times)


def _number_match(values: list, conditions: list) -> bool:
    def inside(c: dict, x: float) -> bool:
        checks = {
            "Eq": lambda b: x == b, "Gte": lambda b: x >= b, "Lte": lambda b: x <= b,
            "Gt": lambda b: x > b, "Lt": lambda b: x < b,
        }
        return all(check(float(c[k])) for k, check in checks.items() if c.get(k) is not None)

    return any(inside(c, float(v)) for c in conditions for v in values if isinstance(v, (int, float)))


def matches(finding: dict, filters: dict[str, Any], now: datetime) -> bool:
    for name, conditions in (filters or {}).items():
        if not conditions:
            continue
        if name in STRING_FIELDS:
            ok = _grouped(
                STRING_FIELDS[name](finding), conditions,
                lambda c, v: _string_match(c["Comparison"], c.get("Value", ""), v),
            )
        elif name in MAP_FIELDS:
            ok = _map_match(MAP_FIELDS[name](finding), conditions)
        elif name in DATE_FIELDS:
            ok = _date_match(DATE_FIELDS[name](finding), conditions, now)
        else:
            ok = _number_match(NUMBER_FIELDS[name](finding), conditions)
        if not ok:
            return False
    return True


def sort(findings: list[dict], criteria: list[dict] | None) -> list[dict]:
    """Stable sort by each SortCriteria field (string, date or number fields; first value of the field)."""
    result = list(findings)
    for criterion in reversed(criteria or []):
        field = criterion.get("Field")
        getter = STRING_FIELDS.get(field) or DATE_FIELDS.get(field) or NUMBER_FIELDS.get(field)
        if getter is None:
            raise InvalidInputException(f"SortCriteria field '{field}' is not implemented by the riposte emulator")
        is_date = field in DATE_FIELDS

        def key(f: dict, getter=getter, is_date=is_date) -> tuple:
            values = getter(f)
            if not values:
                return (1, "")
            return (0, parse_time(str(values[0])) if is_date else values[0])

        result.sort(key=key, reverse=criterion.get("SortOrder", "asc").lower() == "desc")
    return result
