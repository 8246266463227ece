"""Security Hub extension: BatchImportFindings, BatchUpdateFindings, GetFindings, action targets, aggregators."""

import pytest
from botocore.exceptions import ClientError

from helpers import DEFAULT_ACCOUNT, error_of, finding, ident


@pytest.fixture
def hub(emulator):
    client = emulator.client("securityhub")
    client.enable_security_hub(EnableDefaultStandards=False)
    return client


def imported(emulator) -> list[dict]:
    return emulator.get("/_riposte/events")["events"]


# ------------------------------------------------------------------ BatchImportFindings

def test_a_hub_that_is_not_enabled_refuses_finding_calls(emulator):
    client = emulator.client("securityhub")
    with pytest.raises(ClientError) as refused:
        client.get_findings()
    assert error_of(refused)[:2] == ("InvalidAccessException", 401)


def test_import_stores_another_accounts_finding_in_the_callers_hub_with_service_defaults(emulator, hub):
    member = finding(account="111111111111")
    answer = hub.batch_import_findings(Findings=[member])
    assert (answer["SuccessCount"], answer["FailedCount"]) == (1, 0)
    [stored] = hub.get_findings()["Findings"]
    assert stored["AwsAccountId"] == "111111111111"
    assert stored["Workflow"] == {"Status": "NEW"} and stored["RecordState"] == "ACTIVE"
    assert stored["ProductName"] == "Security Hub" and stored["CompanyName"] == "AWS"
    assert "ProcessedAt" in stored
    [event] = imported(emulator)
    assert event["account"] == DEFAULT_ACCOUNT and event["region"] == "us-east-1"
    assert event["detail-type"] == "Security Hub Findings - Imported" and event["source"] == "aws.securityhub"
    assert event["resources"] == [f"{member['ProductArn']}/{member['Id']}"]
    assert event["detail"]["findings"] == [stored]


def test_import_reports_an_invalid_finding_as_failed(emulator, hub):
    unchecked = emulator.client("securityhub", validate=False)
    no_title, no_resources = finding(), finding(Resources=[])
    del no_title["Title"]
    answer = unchecked.batch_import_findings(Findings=[no_title, no_resources, finding()])
    assert (answer["SuccessCount"], answer["FailedCount"]) == (1, 2)
    assert [f["ErrorCode"] for f in answer["FailedFindings"]] == ["InvalidInput", "InvalidInput"]
    assert [f["Id"] for f in answer["FailedFindings"]] == [no_title["Id"], no_resources["Id"]]


def test_reimport_replaces_provider_fields_but_keeps_the_customers_workflow_and_note(emulator, hub):
    original = finding()
    hub.batch_import_findings(Findings=[original])
    hub.batch_update_findings(FindingIdentifiers=[ident(original)], Workflow={"Status": "NOTIFIED"},
                              Note={"Text": "working on it", "UpdatedBy": "riposte"})
    hub.batch_import_findings(Findings=[{**original, "Title": "new title", "Workflow": {"Status": "NEW"}}])
    [stored] = hub.get_findings()["Findings"]
    assert stored["Title"] == "new title"
    assert stored["Workflow"] == {"Status": "NOTIFIED"}
    assert stored["Note"]["Text"] == "working on it"
    assert len(imported(emulator)) == 3


def test_a_passed_control_failing_again_is_reset_to_new(hub):
    original = finding(Compliance={"Status": "PASSED", "SecurityControlId": "S3.8"})
    hub.batch_import_findings(Findings=[original])
    hub.batch_update_findings(FindingIdentifiers=[ident(original)], Workflow={"Status": "RESOLVED"})
    hub.batch_import_findings(Findings=[{**original, "Compliance": {"Status": "FAILED", "SecurityControlId": "S3.8"}}])
    assert hub.get_findings()["Findings"][0]["Workflow"] == {"Status": "NEW"}


# ------------------------------------------------------------------ BatchUpdateFindings

def test_update_sets_workflow_note_and_merges_user_defined_fields(emulator, hub):
    f = finding(UserDefinedFields={"owner": "team-a"})
    hub.batch_import_findings(Findings=[f])
    answer = hub.batch_update_findings(
        FindingIdentifiers=[ident(f)], Workflow={"Status": "RESOLVED"},
        Note={"Text": "remediated", "UpdatedBy": "riposte"},
        UserDefinedFields={"riposte:status": "remediated", "riposte:playbook": "public-s3-bucket"},
        VerificationState="TRUE_POSITIVE", Confidence=90, Criticality=50, Severity={"Normalized": 95})
    assert answer["ProcessedFindings"] == [ident(f)] and answer["UnprocessedFindings"] == []
    [stored] = hub.get_findings()["Findings"]
    assert stored["Workflow"] == {"Status": "RESOLVED"}
    assert stored["Note"]["Text"] == "remediated" and stored["Note"]["UpdatedBy"] == "riposte"
    assert stored["Note"]["UpdatedAt"].endswith("Z")
    assert stored["UserDefinedFields"] == {"owner": "team-a", "riposte:status": "remediated",
                                           "riposte:playbook": "public-s3-bucket"}
    assert (stored["VerificationState"], stored["Confidence"], stored["Criticality"]) == ("TRUE_POSITIVE", 90, 50)
    assert stored["Severity"] == {"Label": "CRITICAL", "Normalized": 95}
    # Documented: BatchUpdateFindings does not change UpdatedAt (the provider's timestamp).
    assert stored["UpdatedAt"] == f["UpdatedAt"]
    events = imported(emulator)
    assert len(events) == 2 and events[-1]["detail"]["findings"][0]["Workflow"] == {"Status": "RESOLVED"}


def test_unknown_and_duplicated_identifiers_come_back_unprocessed(hub):
    f = finding()
    hub.batch_import_findings(Findings=[f])
    unknown = {"Id": "arn:aws:securityhub:us-east-1:111111111111:security-control/S3.8/finding/nope",
               "ProductArn": f["ProductArn"]}
    wrong_product = {"Id": f["Id"], "ProductArn": "arn:aws:securityhub:us-east-1::product/aws/guardduty"}
    answer = hub.batch_update_findings(FindingIdentifiers=[ident(f), unknown, ident(f), wrong_product],
                                       Workflow={"Status": "NOTIFIED"})
    assert answer["ProcessedFindings"] == [ident(f)]
    codes = [(u["FindingIdentifier"], u["ErrorCode"], u["ErrorMessage"]) for u in answer["UnprocessedFindings"]]
    assert codes == [(unknown, "FindingNotFound", "Finding Not Found"),
                     (ident(f), "DuplicatedFindingIdentifier", "Finding Identifier is duplicated"),
                     (wrong_product, "FindingNotFound", "Finding Not Found")]


def test_more_than_100_identifiers_is_invalid_input(hub):
    many = [{"Id": f"finding-{i}", "ProductArn": "arn:aws:securityhub:us-east-1::product/aws/securityhub"}
            for i in range(101)]
    with pytest.raises(ClientError) as refused:
        hub.batch_update_findings(FindingIdentifiers=many, Workflow={"Status": "NOTIFIED"})
    assert error_of(refused)[:2] == ("InvalidInputException", 400)


@pytest.mark.parametrize("update", [
    {"Note": {"Text": "x" * 513, "UpdatedBy": "riposte"}},
    {"UserDefinedFields": {f"k{i}": "v" for i in range(51)}},
    {"UserDefinedFields": {"k" * 129: "v"}},
    {"Workflow": {"Status": "DONE"}},
    {"Severity": {"Label": "SEVERE"}},
])
def test_invalid_update_payloads_are_refused(hub, update):
    f = finding()
    hub.batch_import_findings(Findings=[f])
    with pytest.raises(ClientError) as refused:
        hub.batch_update_findings(FindingIdentifiers=[ident(f)], **update)
    assert error_of(refused)[:2] == ("InvalidInputException", 400)


def test_merged_user_defined_fields_over_50_leave_the_finding_unprocessed(hub):
    f = finding(UserDefinedFields={f"old{i}": "v" for i in range(40)})
    hub.batch_import_findings(Findings=[f])
    answer = hub.batch_update_findings(FindingIdentifiers=[ident(f)],
                                       UserDefinedFields={f"new{i}": "v" for i in range(11)})
    assert answer["UnprocessedFindings"][0]["ErrorCode"] == "InvalidInput"


def test_an_update_that_changes_nothing_emits_no_event(emulator, hub):
    f = finding()
    hub.batch_import_findings(Findings=[f])
    for _ in range(2):
        hub.batch_update_findings(FindingIdentifiers=[ident(f)], Workflow={"Status": "NOTIFIED"},
                                  UserDefinedFields={"riposte:status": "excluded"})
    assert len(imported(emulator)) == 2


# ------------------------------------------------------------------ GetFindings

@pytest.fixture
def three(hub):
    a = finding(account="111111111111", UserDefinedFields={"riposte:status": "remediated"},
                Types=["TTPs/Initial Access/UnauthorizedAccess:IAMUser-MaliciousIPCaller"],
                ProductArn="arn:aws:securityhub:us-east-1::product/aws/guardduty",
                GeneratorId="arn:aws:guardduty:us-east-1:111111111111:detector/d1",
                Resources=[{"Type": "AwsIamAccessKey", "Id": "AWS::IAM::AccessKey:AKIAEXAMPLE1"}],
                Compliance=None, UpdatedAt="2024-05-03T00:00:00Z")
    b = finding(account="222222222222", region="eu-west-1", RecordState="ARCHIVED", UpdatedAt="2024-05-02T00:00:00Z")
    c = finding(account="222222222222", Compliance={"Status": "FAILED", "SecurityControlId": "S3.2"},
                GeneratorId="security-control/S3.2", CreatedAt="2030-01-01T00:00:00Z")
    del a["Compliance"]
    hub.batch_import_findings(Findings=[a, b, c])
    hub.batch_update_findings(FindingIdentifiers=[ident(c)], Workflow={"Status": "NOTIFIED"})
    return a, b, c


def ids(hub, **filters) -> set:
    flt = {k: v if isinstance(v, list) else [v] for k, v in filters.items()}
    return {f["Id"] for f in hub.get_findings(Filters=flt)["Findings"]}


def eq(value, comparison="EQUALS") -> dict:
    return {"Value": value, "Comparison": comparison}


def test_string_filters(hub, three):
    a, b, c = (f["Id"] for f in three)
    assert ids(hub, AwsAccountId=eq("222222222222")) == {b, c}
    assert ids(hub, AwsAccountId=eq("222222222222", "NOT_EQUALS")) == {a}
    assert ids(hub, Region=eq("eu-", "PREFIX")) == {b}
    assert ids(hub, Region=eq("eu-", "PREFIX_NOT_EQUALS")) == {a, c}
    assert ids(hub, Id=eq(a)) == {a}
    assert ids(hub, ProductArn=eq("arn:aws:securityhub:us-east-1::product/aws/guardduty")) == {a}
    assert ids(hub, ProductName=eq("GuardDuty")) == {a}
    assert ids(hub, ComplianceSecurityControlId=[eq("S3.8"), eq("S3.2")]) == {b, c}
    assert ids(hub, ComplianceStatus=eq("FAILED")) == {b, c}
    assert ids(hub, WorkflowStatus=eq("NOTIFIED")) == {c}
    assert ids(hub, RecordState=eq("ACTIVE"), WorkflowStatus=eq("NEW")) == {a}
    assert ids(hub, ResourceType=eq("AwsIamAccessKey")) == {a}
    assert ids(hub, ResourceId=eq("AWS::IAM::AccessKey:", "PREFIX")) == {a}
    assert ids(hub, GeneratorId=eq("security-control/", "PREFIX")) == {b, c}
    assert ids(hub, Type=eq("TTPs/", "PREFIX")) == {a}
    # PREFIX first, then the negative filters on the same field.
    assert ids(hub, GeneratorId=[eq("security-control/", "PREFIX"), eq("security-control/S3.2", "NOT_EQUALS")]) == {b}


def test_map_and_date_filters(hub, three):
    a, b, c = (f["Id"] for f in three)
    udf = {"Key": "riposte:status", "Value": "remediated"}
    assert ids(hub, UserDefinedFields={**udf, "Comparison": "EQUALS"}) == {a}
    assert ids(hub, UserDefinedFields={**udf, "Comparison": "NOT_EQUALS"}) == {b, c}
    assert ids(hub, UpdatedAt={"Start": "2024-05-02T12:00:00Z", "End": "2024-05-04T00:00:00Z"}) == {a}
    assert ids(hub, CreatedAt={"DateRange": {"Value": 30, "Unit": "DAYS"}}) == {c}
    assert ids(hub, CreatedAt={"DateRange": {"Value": 30, "Unit": "DAYS", "Comparison": "OLDER_THAN"}}) == {a, b}


def test_invalid_filters_are_refused(hub, three):
    for filters in ({"AwsAccountId": [eq("1", "EQUALS"), eq("2", "NOT_EQUALS")]},
                    {"AwsAccountId": [eq("1", "LIKE")]},
                    {"NetworkSourceIpV4": [{"Cidr": "10.0.0.0/8"}]}):
        with pytest.raises(ClientError) as refused:
            hub.get_findings(Filters=filters)
        assert error_of(refused)[:2] == ("InvalidInputException", 400)


def test_paging_with_max_results_and_next_token(hub):
    hub.batch_import_findings(Findings=[finding() for _ in range(5)])
    seen, token, pages = [], None, 0
    while True:
        page = hub.get_findings(MaxResults=2, **({"NextToken": token} if token else {}))
        seen += [f["Id"] for f in page["Findings"]]
        pages += 1
        token = page.get("NextToken")
        if not token:
            break
    assert (len(seen), len(set(seen)), pages) == (5, 5, 3)
    paginated = [f for p in hub.get_paginator("get_findings").paginate(PaginationConfig={"PageSize": 4})
                 for f in p["Findings"]]
    assert len(paginated) == 5
    with pytest.raises(ClientError) as refused:
        hub.get_findings(MaxResults=101)
    assert error_of(refused)[0] == "InvalidInputException"


def test_sort_criteria(hub, three):
    found = hub.get_findings(SortCriteria=[{"Field": "UpdatedAt", "SortOrder": "desc"}])["Findings"]
    assert [f["UpdatedAt"][:10] for f in found][:2] == ["2024-05-03", "2024-05-02"]


# ------------------------------------------------------------------ action targets and aggregators

def test_action_targets_lifecycle(hub):
    arn = hub.create_action_target(Name="Remediate now", Description="Riposte: remediate",
                                   Id="RiposteRemediate")["ActionTargetArn"]
    assert arn == f"arn:aws:securityhub:us-east-1:{DEFAULT_ACCOUNT}:action/custom/RiposteRemediate"
    with pytest.raises(ClientError) as duplicate:
        hub.create_action_target(Name="again", Description="d", Id="RiposteRemediate")
    assert error_of(duplicate)[:2] == ("ResourceConflictException", 409)
    assert hub.describe_action_targets()["ActionTargets"] == [
        {"ActionTargetArn": arn, "Name": "Remediate now", "Description": "Riposte: remediate"}]
    assert hub.describe_action_targets(ActionTargetArns=[arn])["ActionTargets"][0]["ActionTargetArn"] == arn
    hub.update_action_target(ActionTargetArn=arn, Name="Remediate")
    assert hub.describe_action_targets()["ActionTargets"][0]["Name"] == "Remediate"
    assert hub.delete_action_target(ActionTargetArn=arn)["ActionTargetArn"] == arn
    with pytest.raises(ClientError) as gone:
        hub.delete_action_target(ActionTargetArn=arn)
    assert error_of(gone)[:2] == ("ResourceNotFoundException", 404)
    with pytest.raises(ClientError) as bad_id:
        hub.create_action_target(Name="x", Description="d", Id="not-alnum!")
    assert error_of(bad_id)[0] == "InvalidInputException"


def test_finding_aggregator_lifecycle(emulator, hub):
    created = hub.create_finding_aggregator(RegionLinkingMode="SPECIFIED_REGIONS", Regions=["eu-west-1"])
    arn = created["FindingAggregatorArn"]
    assert arn.startswith(f"arn:aws:securityhub:us-east-1:{DEFAULT_ACCOUNT}:finding-aggregator/")
    assert created["FindingAggregationRegion"] == "us-east-1"
    assert hub.get_finding_aggregator(FindingAggregatorArn=arn)["Regions"] == ["eu-west-1"]
    elsewhere = emulator.client("securityhub", region="eu-west-1")
    assert elsewhere.list_finding_aggregators()["FindingAggregators"] == [{"FindingAggregatorArn": arn}]
    with pytest.raises(ClientError) as second:
        hub.create_finding_aggregator(RegionLinkingMode="ALL_REGIONS")
    assert error_of(second)[0] == "LimitExceededException"
    updated = hub.update_finding_aggregator(FindingAggregatorArn=arn, RegionLinkingMode="ALL_REGIONS")
    assert updated["RegionLinkingMode"] == "ALL_REGIONS" and updated["Regions"] == []
    hub.delete_finding_aggregator(FindingAggregatorArn=arn)
    assert hub.list_finding_aggregators()["FindingAggregators"] == []
    with pytest.raises(ClientError) as invalid:
        hub.create_finding_aggregator(RegionLinkingMode="NO_REGIONS", Regions=["eu-west-1"])
    assert error_of(invalid)[0] == "InvalidInputException"
