"""cloudformation/hub.yaml deployed into the emulator's CloudFormation, as far as moto 5.2.5 supports it.

moto's CloudFormation skips resource types it does not model and then fails the whole stack on the first
reference to one of them (GetAtt in an output or a rule pattern). The test therefore deploys a copy of hub.yaml
with the unsupported resources removed and every reference to them replaced by a stand-in (the ARN the real
resource would have, where it is computable). `UNSUPPORTED_BY_MOTO` is what cloudformation/README.md documents;
a test fails when moto or hub.yaml changes that list. The copy also lifts optional list items
(`!If [Cond, item, !Ref AWS::NoValue]`, as in the hub role's trust policy) into an `!If` over the whole list: moto
keeps AWS::NoValue in a list as a `null` item, where CloudFormation drops the item.
"""

from __future__ import annotations

import ast
import copy
import io
import json
import re
import time
import tomllib
import uuid
import zipfile
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
HUB_TEMPLATE = ROOT / "cloudformation" / "hub.yaml"
FIXTURES = ROOT / "tests" / "fixtures" / "public"
LOG_FIXTURES = ROOT / "tests" / "fixtures" / "logs"
REGION = "us-east-1"
ACCOUNT = "123456789012"  # moto's account for access keys it does not know (helpers.DEFAULT_ACCOUNT)
ORG_ID = "o-exampleorg1"

# Keep in sync with "What the emulator deploys" in cloudformation/README.md.
UNSUPPORTED_BY_MOTO = {
    "AWS::SecurityHub::ActionTarget",
    "AWS::SQS::QueuePolicy",
    "AWS::SNS::Subscription",
    "AWS::S3::BucketPolicy",
    "AWS::CloudWatch::Alarm",
}

PLACEHOLDER_PATTERN = {"source": ["aws.securityhub"], "detail-type": ["Security Hub Findings - Imported"]}

NO_VALUE = {"Ref": "AWS::NoValue"}


# ----------------------------------------------------------------------------------------------- template helpers
class _CfnLoader(yaml.SafeLoader):
    """YAML loader that turns the short-form intrinsics (!Ref, !Sub, ...) into their JSON form."""


def _intrinsic(loader: _CfnLoader, tag_suffix: str, node: yaml.Node) -> dict[str, Any]:
    name = "Ref" if tag_suffix == "Ref" else f"Fn::{tag_suffix}"
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
        if tag_suffix == "GetAtt":
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {name: value}


_CfnLoader.add_multi_constructor("!", _intrinsic)


def load_template(path: Path = HUB_TEMPLATE) -> dict[str, Any]:
    return yaml.load(path.read_text(encoding="utf-8"), Loader=_CfnLoader)  # noqa: S506 - SafeLoader subclass


def generated_imported_pattern() -> dict[str, Any]:
    """The event pattern between the generated-block markers, as the Rust renderer writes it."""
    text = HUB_TEMPLATE.read_text(encoding="utf-8")
    block = re.search(
        r"# BEGIN GENERATED event-pattern[^\n]*\n(.*?)\n\s*# END GENERATED event-pattern", text, re.DOTALL
    )
    assert block, "hub.yaml lost its generated event-pattern markers"
    return json.loads(block.group(1))


def moto_supported_types() -> set[str]:
    from moto.cloudformation.parsing import get_model_map

    return set(get_model_map())


def trim_for_moto(template: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """Drop resources moto cannot create; replace references to them. Returns (template, {logical id: type})."""
    supported = moto_supported_types()
    trimmed = copy.deepcopy(template)
    resources = trimmed["Resources"]
    removed = {lid: r["Type"] for lid, r in resources.items() if r["Type"] not in supported}
    stand_in_text: dict[str, str] = {}
    for lid, rtype in removed.items():
        if rtype == "AWS::SecurityHub::ActionTarget":
            action_id = resources[lid]["Properties"]["Id"]
            stand_in_text[lid] = (
                "arn:${AWS::Partition}:securityhub:${AWS::Region}:${AWS::AccountId}:action/custom/" + action_id
            )
        else:
            stand_in_text[lid] = f"trimmed-for-emulator:{lid}"
        del resources[lid]

    def stand_in(lid: str) -> Any:
        text = stand_in_text[lid]
        return {"Fn::Sub": text} if "${" in text else text

    def rewrite(node: Any) -> Any:
        if isinstance(node, dict):
            if set(node) == {"Ref"} and node["Ref"] in removed:
                return stand_in(node["Ref"])
            if set(node) == {"Fn::GetAtt"} and node["Fn::GetAtt"][0] in removed:
                return stand_in(node["Fn::GetAtt"][0])
            if set(node) == {"Fn::Sub"}:
                sub = node["Fn::Sub"]
                text, variables = (sub, None) if isinstance(sub, str) else (sub[0], sub[1])
                for lid in removed:
                    text = re.sub(r"\$\{" + re.escape(lid) + r"(\.[A-Za-z]+)?\}", stand_in_text[lid], text)
                return {"Fn::Sub": text if variables is None else [text, rewrite(variables)]}
            return {k: rewrite(v) for k, v in node.items()}
        if isinstance(node, list):
            return [rewrite(v) for v in node]
        return node

    for lid, resource in list(resources.items()):
        resource = _lift_optional_items(resource)
        depends = resource.get("DependsOn")
        if depends:
            depends = [d for d in ([depends] if isinstance(depends, str) else depends) if d not in removed]
            if depends:
                resource["DependsOn"] = depends
            else:
                del resource["DependsOn"]
        resources[lid] = rewrite(resource)
    outputs = trimmed.get("Outputs", {})
    for name in [n for n, o in outputs.items() if _mentions(o, removed)]:
        del outputs[name]
    # moto hands Number parameters (and YAML-int defaults) to Fn::FindInMap as ints, which never equal the
    # (string) mapping keys; real CloudFormation passes every parameter value as a string.
    for name in _find_in_map_keys(trimmed["Resources"]):
        parameter = trimmed["Parameters"][name]
        parameter["Type"] = "String"
        if "Default" in parameter:
            parameter["Default"] = str(parameter["Default"])
        if "AllowedValues" in parameter:
            parameter["AllowedValues"] = [str(v) for v in parameter["AllowedValues"]]
    return trimmed, removed


def _is_optional_item(node: Any) -> bool:
    return isinstance(node, dict) and set(node) == {"Fn::If"} and NO_VALUE in node["Fn::If"][1:]


def _lift_optional_items(node: Any) -> Any:
    """`[a, !If [C, b, !Ref AWS::NoValue]]` -> `!If [C, [a, b], [a]]`: the same list for CloudFormation, and one
    moto builds without a `null` item."""
    if isinstance(node, dict):
        return {k: _lift_optional_items(v) for k, v in node.items()}
    if not isinstance(node, list):
        return node
    items = [_lift_optional_items(v) for v in node]
    for i, item in enumerate(items):
        if _is_optional_item(item):
            condition, then, otherwise = item["Fn::If"]
            branches = [items[:i] + ([] if b == NO_VALUE else [b]) + items[i + 1:] for b in (then, otherwise)]
            return {"Fn::If": [condition, *(_lift_optional_items(b) for b in branches)]}
    return items


def _find_in_map_keys(node: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(node, dict):
        if "Fn::FindInMap" in node:
            found |= {k["Ref"] for k in node["Fn::FindInMap"][1:] if isinstance(k, dict) and "Ref" in k}
        for value in node.values():
            found |= _find_in_map_keys(value)
    elif isinstance(node, list):
        for value in node:
            found |= _find_in_map_keys(value)
    return found


def _mentions(node: Any, logical_ids: dict[str, str]) -> bool:
    text = json.dumps(node)
    return any(re.search(r'"(Ref|Fn::GetAtt)": \[?"' + re.escape(lid) + '"', text) for lid in logical_ids)


# ----------------------------------------------------------------------------------------------- emulator
@pytest.fixture(scope="module")
def aws(running_emulator):
    """Clients on the session's emulator (conftest.py). The stacks below live for the whole module, so the state is
    reset once here rather than before every test."""
    running_emulator.reset()
    return running_emulator.client


def deploy_hub(aws, **overrides: str) -> dict[str, Any]:
    """Uploads a stand-in package and deploys the trimmed hub.yaml; returns names, outputs and physical ids."""
    suffix = uuid.uuid4().hex[:8]
    code_bucket = f"riposte-code-{suffix}"
    s3 = aws("s3")
    s3.create_bucket(Bucket=code_bucket)
    package = io.BytesIO()
    with zipfile.ZipFile(package, "w") as z:
        z.writestr("bootstrap", "#!/bin/sh\nexit 0\n")
    s3.put_object(Bucket=code_bucket, Key="riposte/bootstrap-test.zip", Body=package.getvalue())

    parameters = {
        "CodeS3Bucket": code_bucket,
        "CodeS3Key": "riposte/bootstrap-test.zip",
        "OrganizationId": ORG_ID,
        # Names are per account in the (shared, in-process) emulator: keep every deployment distinct.
        "FunctionName": f"riposte-hub-{suffix}",
        "HubRoleName": f"riposte-hub-{suffix}",
        **overrides,
    }
    template = load_template()
    # moto accepts parameters the template does not declare; CloudFormation refuses the stack.
    assert set(parameters) <= set(template["Parameters"]), set(parameters) - set(template["Parameters"])
    trimmed, removed = trim_for_moto(template)
    stack_name = f"riposte-hub-{suffix}"
    cfn = aws("cloudformation")
    cfn.create_stack(
        StackName=stack_name,
        TemplateBody=json.dumps(trimmed),
        Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()],
        Capabilities=["CAPABILITY_NAMED_IAM"],
    )
    deadline = time.monotonic() + 60
    while True:
        stack = cfn.describe_stacks(StackName=stack_name)["Stacks"][0]
        if not stack["StackStatus"].endswith("_IN_PROGRESS") or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert stack["StackStatus"] == "CREATE_COMPLETE", stack.get("StackStatusReason")
    summaries = cfn.list_stack_resources(StackName=stack_name)["StackResourceSummaries"]
    return {
        "stack": stack_name,
        "parameters": parameters,
        "removed": removed,
        "outputs": {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])},
        "physical": {r["LogicalResourceId"]: r["PhysicalResourceId"] for r in summaries},
        "types": {r["LogicalResourceId"]: r["ResourceType"] for r in summaries},
    }


@pytest.fixture(scope="module")
def operator_arn(aws) -> str:
    """An operator's role to pass as OperatorPrincipalArn (IAM refuses a trust policy naming a missing principal)."""
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "sts:AssumeRole"}
        ],
    }
    role = aws("iam").create_role(
        RoleName=f"riposte-operator-{uuid.uuid4().hex[:8]}", AssumeRolePolicyDocument=json.dumps(trust)
    )
    return role["Role"]["Arn"]


@pytest.fixture(scope="module")
def hub_all_options(aws, operator_arn) -> dict[str, Any]:
    return deploy_hub(
        aws,
        Architecture="x86_64",
        EnableAuditArchive="true",
        NotificationEmail="secops@example.com",
        OperatorPrincipalArn=operator_arn,
        FunctionTimeout="300",
        MaxReceiveCount="3",
    )


@pytest.fixture(scope="module")
def hub_defaults(aws) -> dict[str, Any]:
    return deploy_hub(aws)


def _queue_attributes(aws, url: str) -> dict[str, str]:
    return aws("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]


def _statements(document: Any) -> dict[str, dict[str, Any]]:
    if isinstance(document, str):
        # moto 5.2.5 returns a role's inline policy created through CloudFormation (AWS::IAM::Role Policies) as
        # the Python repr of the document instead of JSON.
        try:
            document = json.loads(document)
        except json.JSONDecodeError:
            document = ast.literal_eval(document)
    return {s.get("Sid", str(i)): s for i, s in enumerate(document["Statement"])}


# ----------------------------------------------------------------------------------------------- tests
def test_the_resource_types_moto_cannot_deploy_are_the_documented_ones():
    types = {r["Type"] for r in load_template()["Resources"].values()}
    assert types - moto_supported_types() == UNSUPPORTED_BY_MOTO


def test_with_every_option_on_the_stack_creates_every_supported_resource(hub_all_options):
    template = load_template()
    expected = {lid for lid, r in template["Resources"].items() if r["Type"] not in UNSUPPORTED_BY_MOTO}
    assert set(hub_all_options["physical"]) == expected
    assert set(hub_all_options["removed"].values()) == UNSUPPORTED_BY_MOTO
    assert {
        "FunctionArn",
        "HubRoleArn",
        "FindingsQueueUrl",
        "NotificationTopicArn",
        "AuditBucketName",
        "SettingsParameterName",
        "KillSwitchParameterName",
        "LimitsTableName",
    } <= set(hub_all_options["outputs"])


def test_the_function_runs_bootstrap_on_al2023_with_the_configuration_the_hub_reads(aws, hub_all_options):
    p = hub_all_options["parameters"]
    fn = aws("lambda").get_function_configuration(FunctionName=p["FunctionName"])
    assert fn["Runtime"] == "provided.al2023"
    assert fn["Handler"] == "bootstrap"
    assert fn["Timeout"] == 300
    assert fn["MemorySize"] == 512
    assert fn["Role"] == f"arn:aws:iam::{ACCOUNT}:role/{p['HubRoleName']}"
    assert aws("lambda").get_function_concurrency(FunctionName=p["FunctionName"])["ReservedConcurrentExecutions"] == 5
    # moto passes Number parameters on as numbers (real CloudFormation: strings), hence str().
    variables = {k: str(v) for k, v in fn["Environment"]["Variables"].items()}
    # Only the wiring: the team's choices live in the settings document (SettingsParameter).
    assert variables == {
        "RIPOSTE_SPOKE_ROLE_NAME": "SecurityAutomationRemediationRole",
        "RIPOSTE_HUB_ROLE_NAME": p["HubRoleName"],
        "RIPOSTE_SNS_TOPIC_ARN": hub_all_options["outputs"]["NotificationTopicArn"],
        "RIPOSTE_AUDIT_BUCKET": hub_all_options["outputs"]["AuditBucketName"],
        "RIPOSTE_AUDIT_BUCKET_OWNER": ACCOUNT,
        "RIPOSTE_MAX_RECEIVE_COUNT": "3",
        "RIPOSTE_CONFIG_PARAMETER": f"/{p['FunctionName']}/settings",
        "RIPOSTE_KILL_SWITCH_PARAMETER": f"/{p['FunctionName']}/kill-switch",
        "RIPOSTE_LIMITS_TABLE": f"{p['FunctionName']}-limits",
        # The function acts only on this queue's records (a direct invocation is refused).
        "RIPOSTE_QUEUE_ARN": f"arn:aws:sqs:{REGION}:{ACCOUNT}:{p['FunctionName']}-findings",
    }


def test_the_queue_feeds_the_function_with_partial_batch_responses_and_a_bounded_redrive(aws, hub_all_options):
    p, physical = hub_all_options["parameters"], hub_all_options["physical"]
    queue = _queue_attributes(aws, physical["FindingsQueue"])
    dlq = _queue_attributes(aws, physical["DeadLetterQueue"])
    # 6 x FunctionTimeout (300) + 300 s of batching window.
    assert int(queue["VisibilityTimeout"]) == 2100 > 6 * 300
    assert json.loads(queue["RedrivePolicy"]) == {"deadLetterTargetArn": dlq["QueueArn"], "maxReceiveCount": 3}
    assert queue["KmsMasterKeyId"] and dlq["KmsMasterKeyId"]
    assert int(dlq["MessageRetentionPeriod"]) == 1209600

    (mapping,) = aws("lambda").list_event_source_mappings(FunctionName=p["FunctionName"])["EventSourceMappings"]
    assert mapping["EventSourceArn"] == queue["QueueArn"]
    assert mapping["BatchSize"] == 10
    assert mapping["MaximumBatchingWindowInSeconds"] == 5
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert mapping["ScalingConfig"] == {"MaximumConcurrency": 5}


def test_the_hub_role_may_assume_only_the_spoke_role_inside_the_organization(aws, hub_all_options):
    p = hub_all_options["parameters"]
    iam = aws("iam")
    role = iam.get_role(RoleName=p["HubRoleName"])["Role"]
    (trust,) = [s for s in role["AssumeRolePolicyDocument"]["Statement"] if "Service" in s["Principal"]]
    assert trust["Principal"] == {"Service": "lambda.amazonaws.com"}
    policy = iam.get_role_policy(RoleName=p["HubRoleName"], PolicyName="riposte-hub")["PolicyDocument"]
    statements = _statements(policy)
    assume = statements["AssumeSpokeRolesInTheOrganization"]
    assert sorted(assume["Action"]) == ["sts:AssumeRole", "sts:SetSourceIdentity"]
    assert assume["Resource"] == "arn:aws:iam::*:role/SecurityAutomationRemediationRole"
    assert assume["Condition"] == {"StringEquals": {"aws:ResourceOrgID": ORG_ID}}
    assert statements["WriteOutcomeOntoFindings"]["Resource"] == f"arn:aws:securityhub:{REGION}:{ACCOUNT}:hub/default"
    assert statements["Notify"]["Resource"] == hub_all_options["outputs"]["NotificationTopicArn"]
    no_wildcard_actions = [a for s in statements.values() for a in _as_list(s["Action"]) if "*" in a]
    assert no_wildcard_actions == []

    archive = iam.get_role_policy(RoleName=p["HubRoleName"], PolicyName="riposte-hub-audit-archive")
    archived = _statements(archive["PolicyDocument"])
    assert sorted(archived) == ["ArchiveAuditRecords", "ReadAuditRecordsForUndo"]
    bucket = hub_all_options['outputs']['AuditBucketName']
    put, read = archived["ArchiveAuditRecords"], archived["ReadAuditRecordsForUndo"]
    assert (put["Action"], put["Resource"]) == ("s3:PutObject", f"arn:aws:s3:::{bucket}/*")
    # `undo` reads the prior state a run recorded, and only the run records.
    assert (read["Action"], read["Resource"]) == ("s3:GetObject", f"arn:aws:s3:::{bucket}/riposte/runs/*")


def test_the_audit_archive_is_encrypted_with_the_hub_key(aws, hub_all_options):
    # moto's AWS::S3::Bucket applies only BucketEncryption and Tags: versioning, public access block, ownership
    # controls and lifecycle are not created (cloudformation/README.md), so they are checked by the linters only.
    bucket = hub_all_options["outputs"]["AuditBucketName"]
    (rule,) = aws("s3").get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
    assert rule["ApplyServerSideEncryptionByDefault"] == {
        "SSEAlgorithm": "aws:kms",
        "KMSMasterKeyID": f"arn:aws:kms:{REGION}:{ACCOUNT}:key/{hub_all_options['physical']['HubKey']}",
    }


def test_topic_logs_and_key_are_encrypted_and_retained(aws, hub_all_options):
    p, physical = hub_all_options["parameters"], hub_all_options["physical"]
    topic = aws("sns").get_topic_attributes(TopicArn=hub_all_options["outputs"]["NotificationTopicArn"])
    assert topic["Attributes"]["KmsMasterKeyId"]
    kms = aws("kms")
    assert kms.get_key_rotation_status(KeyId=physical["HubKey"])["KeyRotationEnabled"] is True
    aliases = {a["AliasName"] for a in kms.list_aliases(KeyId=physical["HubKey"])["Aliases"]}
    assert f"alias/{hub_all_options['stack']}" in aliases
    (group,) = aws("logs").describe_log_groups(logGroupNamePrefix=f"/aws/lambda/{p['FunctionName']}")["logGroups"]
    assert group["retentionInDays"] == 365  # (moto ignores the group's KmsKeyId)


def test_the_dashboard_shows_the_emf_metrics_queue_and_function(aws, hub_all_options):
    p = hub_all_options["parameters"]
    body = json.loads(aws("cloudwatch").get_dashboard(DashboardName=f"{p['FunctionName']}-{REGION}")["DashboardBody"])
    expressions = [
        m["expression"]
        for w in body["widgets"]
        for row in w["properties"].get("metrics", [])
        for m in row
        if isinstance(m, dict) and "expression" in m
    ]
    for metric in ("Findings", "RemediationMs", "TimeToResolveSeconds"):
        assert any(e.startswith("SEARCH('{Riposte,") and f'MetricName="{metric}"' in e for e in expressions), metric
    (log,) = [w for w in body["widgets"] if w["type"] == "log"]
    assert log["properties"]["query"].startswith(f"SOURCE '/aws/lambda/{p['FunctionName']}'")
    assert {w["type"] for w in body["widgets"]} == {"text", "metric", "alarm", "log"}


def test_the_rules_send_security_hub_events_to_the_queue(aws, hub_all_options):
    p = hub_all_options["parameters"]
    events = aws("events")
    rules = {r["Name"]: r for r in events.list_rules(NamePrefix=p["FunctionName"])["Rules"]}
    imported = rules[f"{p['FunctionName']}-findings-imported"]
    custom = rules[f"{p['FunctionName']}-custom-action"]
    assert json.loads(imported["EventPattern"]) == generated_imported_pattern()
    assert json.loads(custom["EventPattern"]) == {
        "source": ["aws.securityhub"],
        "detail-type": ["Security Hub Findings - Custom Action"],
        "resources": [
            f"arn:aws:securityhub:{REGION}:{ACCOUNT}:action/custom/RiposteApprove",
            f"arn:aws:securityhub:{REGION}:{ACCOUNT}:action/custom/RiposteRemediate",
            f"arn:aws:securityhub:{REGION}:{ACCOUNT}:action/custom/RiposteIgnore",
            f"arn:aws:securityhub:{REGION}:{ACCOUNT}:action/custom/RiposteUndo",
        ],
    }
    queue_arn = _queue_attributes(aws, hub_all_options["physical"]["FindingsQueue"])["QueueArn"]
    dlq_arn = _queue_attributes(aws, hub_all_options["physical"]["DeadLetterQueue"])["QueueArn"]
    for rule in (imported, custom):
        (target,) = events.list_targets_by_rule(Rule=rule["Name"])["Targets"]
        assert target["Arn"] == queue_arn
        assert target["DeadLetterConfig"] == {"Arn": dlq_arn}


def test_a_riposte_custom_action_reaches_the_queue_and_another_tools_action_does_not(aws, hub_all_options):
    riposte = ["RiposteApprove", "RiposteRemediate", "RiposteIgnore", "RiposteUndo"]
    received = _deliver(aws, hub_all_options, [
        *(_custom_action_event(action) for action in riposte),
        _custom_action_event("SomeOtherToolsAction"),
    ])
    assert sorted(r for e in received for r in e["resources"]) == sorted(
        f"arn:aws:securityhub:{REGION}:{ACCOUNT}:action/custom/{action}" for action in riposte
    )


def test_every_action_target_is_in_the_custom_action_rule_and_has_an_output():
    """The template side of the four custom actions: moto cannot create action targets (see UNSUPPORTED_BY_MOTO)."""
    template = load_template()
    targets = {lid: r["Properties"] for lid, r in template["Resources"].items()
               if r["Type"] == "AWS::SecurityHub::ActionTarget"}
    assert {lid: t["Name"] for lid, t in targets.items()} == {
        "RiposteApprove": "Riposte: approve",
        "RiposteRemediate": "Riposte: remediate",
        "RiposteIgnore": "Riposte: ignore",
        "RiposteUndo": "Riposte: undo",
    }
    for lid, target in targets.items():
        # The hub recognises an action by the id at the end of its ARN; Security Hub caps names at 20 characters.
        assert target["Id"] == lid and len(target["Name"]) <= 20 and target["Description"], lid
    pattern = template["Resources"]["CustomActionRule"]["Properties"]["EventPattern"]
    assert pattern["resources"] == [_getatt(lid, "ActionTargetArn") for lid in targets]
    outputs = {o["Value"]["Fn::GetAtt"][0]: name for name, o in template["Outputs"].items()
               if o["Value"] in [_getatt(lid, "ActionTargetArn") for lid in targets]}
    assert outputs == {
        "RiposteApprove": "ApproveActionTargetArn",
        "RiposteRemediate": "RemediateActionTargetArn",
        "RiposteIgnore": "IgnoreActionTargetArn",
        "RiposteUndo": "UndoActionTargetArn",
    }


def test_a_new_failed_s3_8_finding_reaches_the_queue(aws, hub_all_options, eventbridge_matches_inside_arrays):
    _skip_unless_emulator_can_match(generated_imported_pattern(), eventbridge_matches_inside_arrays)
    received = _deliver(aws, hub_all_options, [_imported_event(workflow="NEW")])
    assert len(received) == 1
    assert received[0]["detail"]["findings"][0]["ProductFields"]["ControlId"] == "S3.8"


def test_a_finding_riposte_already_updated_does_not_come_back(aws, hub_all_options, eventbridge_matches_inside_arrays):
    if generated_imported_pattern() == PLACEHOLDER_PATTERN:
        pytest.skip("hub.yaml still carries the placeholder Imported pattern (riposte event-pattern render)")
    _skip_unless_emulator_can_match(generated_imported_pattern(), eventbridge_matches_inside_arrays)
    assert _deliver(aws, hub_all_options, [_imported_event(workflow="NOTIFIED")]) == []


def test_with_defaults_there_is_no_audit_archive(aws, hub_defaults):
    hub = hub_defaults
    assert "AuditBucket" not in hub["physical"] and "HubAuditArchivePolicy" not in hub["physical"]
    assert "AuditBucketName" not in hub["outputs"]
    fn = aws("lambda").get_function_configuration(FunctionName=hub["parameters"]["FunctionName"])
    assert fn["Environment"]["Variables"]["RIPOSTE_AUDIT_BUCKET"] == ""
    queue = _queue_attributes(aws, hub["physical"]["FindingsQueue"])
    assert int(queue["VisibilityTimeout"]) == 1020  # 6 x 120 + 300
    assert json.loads(queue["RedrivePolicy"])["maxReceiveCount"] == 5


# ----------------------------------------------------------------------------------------------- settings, operator
def _hub_policies(aws, hub: dict[str, Any]) -> list[dict[str, Any]]:
    """Every statement of every inline policy of the hub role (riposte-hub and the optional audit-archive policy)."""
    iam, role = aws("iam"), hub["parameters"]["HubRoleName"]
    return [
        s
        for name in iam.list_role_policies(RoleName=role)["PolicyNames"]
        for s in _statements(iam.get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"]).values()
    ]


def test_the_settings_document_and_kill_switch_start_as_defaults_and_off_and_the_function_reads_them(
    aws, hub_all_options
):
    p, outputs = hub_all_options["parameters"], hub_all_options["outputs"]
    settings, kill_switch = f"/{p['FunctionName']}/settings", f"/{p['FunctionName']}/kill-switch"
    assert (outputs["SettingsParameterName"], outputs["KillSwitchParameterName"]) == (settings, kill_switch)
    # What the hub asks for: one GetParameters call for both, with decryption.
    read = aws("ssm").get_parameters(Names=[settings, kill_switch], WithDecryption=True)
    assert read["InvalidParameters"] == []
    values = {r["Name"]: r for r in read["Parameters"]}
    assert {name: (r["Type"], r["Value"]) for name, r in values.items()} == {
        settings: ("String", "# Riposte settings (TOML): see config/riposte.example.toml; empty means the defaults."),
        kill_switch: ("String", "off"),
    }
    # A TOML comment only: an empty document, i.e. every default (SSM refuses an empty value).
    assert tomllib.loads(values[settings]["Value"]) == {}

    described = aws("ssm").describe_parameters(ParameterFilters=[{"Key": "Name", "Values": [settings, kill_switch]}])
    # A settings document over 4 KB moves to the advanced tier by itself.
    assert {d["Name"]: d["Tier"] for d in described["Parameters"]}[settings] == "Intelligent-Tiering"
    descriptions = {d["Name"]: d["Description"] for d in described["Parameters"]}
    assert "aws ssm put-parameter --overwrite" in descriptions[settings]
    assert "riposte config check FILE" in descriptions[settings] and "within a minute" in descriptions[settings]
    assert "`on`" in descriptions[kill_switch] and "notify-only within a minute" in descriptions[kill_switch]

    variables = aws("lambda").get_function_configuration(FunctionName=p["FunctionName"])["Environment"]["Variables"]
    assert variables["RIPOSTE_CONFIG_PARAMETER"] == settings
    assert variables["RIPOSTE_KILL_SWITCH_PARAMETER"] == kill_switch


def test_the_limits_table_counts_per_key_and_expires_its_counters(aws, hub_all_options):
    p = hub_all_options["parameters"]
    name = hub_all_options["outputs"]["LimitsTableName"]
    ddb = aws("dynamodb")
    table = ddb.describe_table(TableName=name)["Table"]
    assert table["KeySchema"] == [{"AttributeName": "counter", "KeyType": "HASH"}]
    assert table["AttributeDefinitions"] == [{"AttributeName": "counter", "AttributeType": "S"}]
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    variables = aws("lambda").get_function_configuration(FunctionName=p["FunctionName"])["Environment"]["Variables"]
    assert variables["RIPOSTE_LIMITS_TABLE"] == name

    # The hub's access pattern fits the key schema: a conditional ADD on `count` refuses the increment past a limit.
    def count(limit: int) -> int:
        out = ddb.update_item(
            TableName=name,
            Key={"counter": {"S": "111111111111#s3-public-access#2026-11-25T12"}},
            UpdateExpression="ADD #count :one SET expires_at = if_not_exists(expires_at, :expires)",
            ConditionExpression="attribute_not_exists(#count) OR #count < :limit",
            ExpressionAttributeNames={"#count": "count"},
            ExpressionAttributeValues={
                ":one": {"N": "1"}, ":limit": {"N": str(limit)}, ":expires": {"N": "1795608000"}
            },
            ReturnValues="UPDATED_NEW",
        )
        return int(out["Attributes"]["count"]["N"])

    assert [count(2), count(2)] == [1, 2]
    with pytest.raises(ddb.exceptions.ConditionalCheckFailedException):
        count(2)

    # moto's AWS::DynamoDB::Table ignores TimeToLiveSpecification and PointInTimeRecoverySpecification and reads
    # SSESpecification as the API's (Enabled, not SSEEnabled): checked on the template (and by the linters).
    properties = load_template()["Resources"]["LimitsTable"]["Properties"]
    assert properties["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}
    assert properties["SSESpecification"] == {"SSEEnabled": True, "SSEType": "KMS", "KMSMasterKeyId": _getatt("HubKey")}
    assert properties["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}


def test_the_hub_role_reads_only_its_two_parameters_and_counts_only_in_its_table(aws, hub_all_options):
    p = hub_all_options["parameters"]
    statements = _hub_policies(aws, hub_all_options)
    by_sid = {s.get("Sid"): s for s in statements}

    read = by_sid["ReadSettingsAndKillSwitch"]
    assert read["Effect"] == "Allow" and _as_list(read["Action"]) == ["ssm:GetParameters"]
    # The ARNs SSM itself reports for the two parameters (a parameter /a/b is ...:parameter/a/b).
    names = [f"/{p['FunctionName']}/settings", f"/{p['FunctionName']}/kill-switch"]
    arns = [r["ARN"] for r in aws("ssm").get_parameters(Names=names)["Parameters"]]
    assert sorted(_as_list(read["Resource"])) == sorted(arns) == sorted(
        f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter{n}" for n in names
    )

    count = by_sid["CountRemediationsPerHour"]
    assert count["Effect"] == "Allow"
    assert sorted(_as_list(count["Action"])) == ["dynamodb:GetItem", "dynamodb:UpdateItem"]
    table_arn = aws("dynamodb").describe_table(TableName=hub_all_options["outputs"]["LimitsTableName"])["Table"]
    assert _as_list(count["Resource"]) == [table_arn["TableArn"]]

    # No other statement grants anything in SSM or DynamoDB.
    for s in statements:
        services = {a.split(":", 1)[0] for a in _as_list(s["Action"])}
        if s is not read:
            assert "ssm" not in services, s
        if s is not count:
            assert "dynamodb" not in services, s

    # OU scoping: read-only Organizations calls, which only work for a delegated administrator (the resources are
    # the management account's, hence "*").
    organizations = by_sid["ResolveScopedOrganizationalUnits"]
    assert sorted(_as_list(organizations["Action"])) == [
        "organizations:DescribeAccount",
        "organizations:ListAccounts",
        "organizations:ListAccountsForParent",
        "organizations:ListOrganizationalUnitsForParent",
    ]
    assert organizations["Resource"] == "*" and "Condition" not in organizations


def test_dynamodb_may_use_the_hub_key_through_the_hub_role():
    """Template only: moto cannot read back the key policy of a CloudFormation-created key (README)."""
    template = load_template()
    key_statements = {s["Sid"]: s for s in template["Resources"]["HubKey"]["Properties"]["KeyPolicy"]["Statement"]}
    # The key policy delegates to IAM without conditions (no kms:ViaService that would leave DynamoDB out) ...
    account = key_statements["AccountAdministersKeyThroughIam"]
    assert account["Principal"] == {"AWS": {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}}
    assert account["Action"] == "kms:*" and "Condition" not in account
    assert all(s["Effect"] == "Allow" for s in key_statements.values())
    # ... and the role's policy lets it decrypt (DynamoDB's table key) with the key the table is encrypted with.
    (policy,) = template["Resources"]["HubRole"]["Properties"]["Policies"]
    use = {s["Sid"]: s for s in policy["PolicyDocument"]["Statement"]}["UseHubKey"]
    assert "kms:Decrypt" in use["Action"] and use["Resource"] == _getatt("HubKey") and "Condition" not in use
    table = template["Resources"]["LimitsTable"]["Properties"]
    assert table["SSESpecification"]["KMSMasterKeyId"] == _getatt("HubKey")


def test_the_hub_role_trusts_the_operator_only_when_one_is_given(aws, hub_all_options, hub_defaults, operator_arn):
    iam = aws("iam")

    def trust(hub: dict[str, Any]) -> list[dict[str, Any]]:
        return iam.get_role(RoleName=hub["parameters"]["HubRoleName"])["Role"]["AssumeRolePolicyDocument"]["Statement"]

    lambda_service = {
        "Effect": "Allow",
        "Principal": {"Service": "lambda.amazonaws.com"},
        "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}},
    }
    assert trust(hub_all_options) == [
        lambda_service,
        {
            "Sid": "OperatorWorkstation",
            "Effect": "Allow",
            "Principal": {"AWS": operator_arn},
            "Action": "sts:AssumeRole",
        },
    ]
    assert trust(hub_defaults) == [lambda_service]
    assert hub_defaults["parameters"].get("OperatorPrincipalArn", "") == ""
    assert load_template()["Parameters"]["OperatorPrincipalArn"]["Default"] == ""


# ----------------------------------------------------------------------------------------------- who may send, invoke
def _getatt(lid: str, attribute: str = "Arn") -> dict[str, Any]:
    return {"Fn::GetAtt": [lid, attribute]}


def _rules_sending_to(template: dict[str, Any], queue: str) -> set[str]:
    """Rules with `queue` as a target (FindingsQueue) or as a target's DeadLetterConfig (DeadLetterQueue)."""
    rules = set()
    for lid, resource in template["Resources"].items():
        if resource["Type"] != "AWS::Events::Rule":
            continue
        for target in resource["Properties"].get("Targets", []):
            if _getatt(queue) in (target["Arn"], target.get("DeadLetterConfig", {}).get("Arn")):
                rules.add(lid)
    return rules


def _queue_policy(template: dict[str, Any], queue: str) -> list[dict[str, Any]]:
    (policy,) = [
        r["Properties"]["PolicyDocument"]
        for r in template["Resources"].values()
        if r["Type"] == "AWS::SQS::QueuePolicy" and r["Properties"]["Queues"] == [{"Ref": queue}]
    ]
    return policy["Statement"]


def _rule_arns(condition_values: Any) -> set[str]:
    """The rules named by an aws:SourceArn condition, which must be GetAtt <rule>.Arn and nothing else."""
    values = _as_list(condition_values)
    for v in values:
        assert isinstance(v, dict) and set(v) == {"Fn::GetAtt"} and v["Fn::GetAtt"][1] == "Arn", values
    return {v["Fn::GetAtt"][0] for v in values}


def _evaluate(
    statements: list[dict[str, Any]], principal: tuple[str, str], action: str, context: dict[str, Any]
) -> str:
    """What a resource policy alone says about one request: "deny" (an explicit Deny matches), "allow" (an Allow
    matches, no Deny) or "implicit" (neither: the caller's IAM policies decide, within the account). Knows only
    the operators these templates use; intrinsics compare as values (`GetAtt ImportedRule.Arn` is that rule's ARN).
    A key missing from the request context makes ArnEquals/Bool false and ArnNotEquals true, as in IAM."""

    def principal_matches(p: Any) -> bool:
        if p == "*":
            return True
        return any(principal[1] in _as_list(v) for k, v in p.items() if k == principal[0])

    def action_matches(actions: Any) -> bool:
        return any(a == "*" or a.lower() == action.lower() or (a.endswith(":*") and action.startswith(a[:-1]))
                   for a in _as_list(actions))

    def condition_holds(condition: dict[str, Any]) -> bool:
        for operator, tests in condition.items():
            for key, wanted in tests.items():
                wanted = _as_list(wanted)
                present = key in context
                if operator == "ArnEquals":
                    ok = present and context[key] in wanted
                elif operator == "ArnNotEquals":
                    ok = not present or context[key] not in wanted
                elif operator == "Bool":
                    ok = present and str(context[key]).lower() in [str(w).lower() for w in wanted]
                else:
                    raise AssertionError(f"operator {operator} not modelled by this test")
                if not ok:
                    return False
        return True

    matching = [
        s
        for s in statements
        if principal_matches(s["Principal"])
        and action_matches(s["Action"])
        and condition_holds(s.get("Condition", {}))
    ]
    if any(s["Effect"] == "Deny" for s in matching):
        return "deny"
    return "allow" if matching else "implicit"


@pytest.mark.parametrize("queue", ["FindingsQueue", "DeadLetterQueue"])
def test_only_the_hubs_own_rules_may_send_to_the_queues(queue):
    """Every findings-queue message makes the hub act in a member account: only EventBridge, from the rules of this
    stack that deliver to the queue, may send; an explicit Deny stops principals whose IAM policies allow
    sqs:SendMessage (administrators) and every other rule or service. Nothing else is denied to administrators."""
    template = load_template()
    rules = _rules_sending_to(template, queue)
    assert rules == {"ImportedRule", "ImportedConfigRule", "CustomActionRule"}
    statements = _queue_policy(template, queue)

    allows = [s for s in statements if s["Effect"] == "Allow"]
    assert len(allows) == 1, allows
    (allow,) = allows
    assert allow["Principal"] == {"Service": "events.amazonaws.com"}
    assert allow["Action"] == "sqs:SendMessage"
    assert allow["Resource"] == _getatt(queue)
    assert set(allow["Condition"]) == {"ArnEquals"} and set(allow["Condition"]["ArnEquals"]) == {"aws:SourceArn"}
    assert _rule_arns(allow["Condition"]["ArnEquals"]["aws:SourceArn"]) == rules

    senders = [s for s in statements if s["Effect"] == "Deny" and s.get("Condition", {}).keys() != {"Bool"}]
    assert len(senders) == 1, "one Deny of sqs:SendMessage for every other source"
    (deny,) = senders
    assert deny["Principal"] == "*" and deny["Action"] == "sqs:SendMessage" and deny["Resource"] == _getatt(queue)
    assert set(deny["Condition"]) == {"ArnNotEquals"} and set(deny["Condition"]["ArnNotEquals"]) == {"aws:SourceArn"}
    assert _rule_arns(deny["Condition"]["ArnNotEquals"]["aws:SourceArn"]) == rules

    tls = {"aws:SecureTransport": "true"}
    for rule in sorted(rules):
        source = {**tls, "aws:SourceArn": _getatt(rule)}
        assert _evaluate(statements, ("Service", "events.amazonaws.com"), "sqs:SendMessage", source) == "allow", rule
    other_rule = {**tls, "aws:SourceArn": f"arn:aws:events:{REGION}:{ACCOUNT}:rule/someone-elses-rule"}
    topic = {**tls, "aws:SourceArn": f"arn:aws:sns:{REGION}:{ACCOUNT}:some-topic"}
    admin = ("AWS", f"arn:aws:iam::{ACCOUNT}:role/Admin")
    assert _evaluate(statements, ("Service", "events.amazonaws.com"), "sqs:SendMessage", other_rule) == "deny"
    assert _evaluate(statements, ("Service", "sns.amazonaws.com"), "sqs:SendMessage", topic) == "deny"
    assert _evaluate(statements, admin, "sqs:SendMessage", tls) == "deny"
    assert _evaluate(statements, ("AWS", "arn:aws:iam::999999999999:root"), "sqs:SendMessage", tls) == "deny"
    # Not locked out: the account's administrators still manage, read and purge the queue (over TLS).
    for action in ("sqs:SetQueueAttributes", "sqs:PurgeQueue", "sqs:ReceiveMessage", "sqs:DeleteMessage",
                   "sqs:GetQueueAttributes", "sqs:StartMessageMoveTask"):
        assert _evaluate(statements, admin, action, tls) == "implicit", action
    assert _evaluate(statements, admin, "sqs:PurgeQueue", {"aws:SecureTransport": "false"}) == "deny"


def test_only_the_findings_queue_may_dead_letter_into_the_dlq():
    template = load_template()
    resources = template["Resources"]
    findings, dlq = resources["FindingsQueue"]["Properties"], resources["DeadLetterQueue"]["Properties"]
    assert findings["RedrivePolicy"]["deadLetterTargetArn"] == _getatt("DeadLetterQueue")
    assert findings["QueueName"] == {"Fn::Sub": "${FunctionName}-findings"}
    # Spelled out (a GetAtt would be circular): it must be FindingsQueue's ARN, built from the same name.
    assert dlq["RedriveAllowPolicy"] == {
        "redrivePermission": "byQueue",
        "sourceQueueArns": [
            {"Fn::Sub": "arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:${FunctionName}-findings"}
        ],
    }


def test_only_eventbridge_from_the_hubs_rules_and_security_hub_may_invoke_the_function(aws, hub_all_options):
    """The SQS event source mapping invokes the function with the function's own role and needs no resource policy.
    Any AWS::Lambda::Permission must be EventBridge from this stack's rules or Security Hub from this account."""
    template = load_template()
    rules = {lid for lid, r in template["Resources"].items() if r["Type"] == "AWS::Events::Rule"}
    for lid, resource in template["Resources"].items():
        if resource["Type"] != "AWS::Lambda::Permission":
            continue
        properties = resource["Properties"]
        assert properties["FunctionName"] in ({"Ref": "HubFunction"}, _getatt("HubFunction")), lid
        assert properties["Action"] == "lambda:InvokeFunction", lid
        assert "SourceAccount" in properties or "SourceArn" in properties, lid
        if properties["Principal"] == "events.amazonaws.com":
            assert _rule_arns(properties["SourceArn"]) <= rules, lid
        elif properties["Principal"] == "securityhub.amazonaws.com":
            assert properties["SourceAccount"] == {"Ref": "AWS::AccountId"}, lid
        else:
            raise AssertionError(f"{lid}: {properties['Principal']} may not invoke the hub function")
    if not any(r["Type"] == "AWS::Lambda::Permission" for r in template["Resources"].values()):
        # No resource policy at all: nobody may invoke the function but principals of this account whose IAM
        # policies allow it (and the event source mapping, through the function's role).
        with pytest.raises(aws("lambda").exceptions.ResourceNotFoundException):
            aws("lambda").get_policy(FunctionName=hub_all_options["parameters"]["FunctionName"])


# ----------------------------------------------------------------------------------------------- deploy defaults
def test_the_architecture_default_is_the_one_scripts_package_builds():
    package = (ROOT / "scripts" / "package").read_text(encoding="utf-8")
    (package_default,) = re.findall(r'^arch="\$\{1:-([a-z0-9_]+)\}"$', package, re.MULTILINE)
    parameter = load_template()["Parameters"]["Architecture"]
    assert parameter["Default"] == package_default
    assert package_default in parameter["AllowedValues"]
    # What the docs say the default is.
    assert re.findall(r"hub stack's Architecture parameter \(its default is (\w+)", package) == [package_default]
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    building = readme.split("## Building the Lambda", 1)[1].split("\n## ", 1)[0]
    assert re.findall(r"defaults to \*\*(\w+)\*\*", building) == [package_default]
    cfn_readme = (ROOT / "cloudformation" / "README.md").read_text(encoding="utf-8")
    assert re.findall(r"^\| `Architecture` \| `(\w+)` \|", cfn_readme, re.MULTILINE) == [package_default]


# ----------------------------------------------------------------------------------------------- logs and alarms
def _dashboard_text() -> str:
    sub = load_template()["Resources"]["Dashboard"]["Properties"]["DashboardBody"]["Fn::Sub"]
    return sub if isinstance(sub, str) else sub[0]


def _insights_fields(line: str) -> dict[str, list[Any]]:
    """A JSON log line as CloudWatch Logs Insights sees its fields: nested keys joined with dots. Every value of a
    key is kept, so a key written twice would make the filter ambiguous (the step's resource is logged as
    `resource` because tracing-subscriber writes the module as `target`)."""
    fields: dict[str, list[Any]] = {}

    def walk(pairs: list[tuple[str, Any]], prefix: str) -> None:
        for key, value in pairs:
            if isinstance(value, list) and value and all(isinstance(p, tuple) for p in value):
                walk(value, f"{prefix}{key}.")
            else:
                fields.setdefault(f"{prefix}{key}", []).append(value)

    walk(json.loads(line, object_pairs_hook=list), "")
    return fields


_FILTER_CLAUSE = re.compile(r"""^\s*([A-Za-z_@][\w.@]*)\s*(=|==|!=)\s*(?:'([^']*)'|"([^"]*)")\s*$""")


def _filter_clauses(query: str) -> list[tuple[str, str, str]]:
    """The `filter` commands of a Logs Insights query as (field, operator, string value). Only `and`-joined
    comparisons with string literals are understood; anything else fails the test rather than passing unread."""
    clauses = []
    for command in (c.strip() for c in query.split("|")):
        if not command.startswith("filter "):
            continue
        for part in re.split(r"\s+and\s+", command[len("filter "):]):
            match = _FILTER_CLAUSE.match(part)
            assert match, f"filter clause not understood by this test: {part!r}"
            field, operator, single, double = match.groups()
            clauses.append((field, "!=" if operator == "!=" else "=", single if single is not None else double))
    return clauses


def _matches(clauses: list[tuple[str, str, str]], fields: dict[str, list[Any]]) -> bool:
    for field, operator, value in clauses:
        values = fields.get(field, [])
        assert len(values) <= 1, f"{field} appears {len(values)} times in the log line: the filter would be ambiguous"
        equal = bool(values) and str(values[0]) == value
        if equal != (operator == "="):
            return False
    return True


def test_the_failed_steps_widget_filters_on_the_outcome_the_hub_logs(aws, hub_all_options):
    # tests/fixtures/logs/step-failed.jsonl is a step line in the shape tracing-subscriber 0.3's JSON formatter
    # writes with the hub's settings (hub/src/cli/process.rs json_subscriber). The Rust test
    # `a_failed_step_is_logged_in_the_shape_and_spelling_the_dashboard_reads` (hub/src/engine_tests.rs) logs a real
    # failed step through that formatter and checks it against this fixture; the asserts on the Rust sources below
    # keep the two sides tied here as well.
    line = (LOG_FIXTURES / "step-failed.jsonl").read_text(encoding="utf-8").strip()
    fields = _insights_fields(line)
    cli = (ROOT / "hub" / "src" / "cli" / "process.rs").read_text(encoding="utf-8")
    assert ".flatten_event(true)" in cli and ".with_span_list(false)" in cli, "the fixture's shape is stale"
    engine = (ROOT / "hub" / "src" / "engine" / "playbook.rs").read_text(encoding="utf-8")
    assert re.search(r"tracing::info!\(step = .*outcome = \?step\.outcome,.*\"\{message\}\"\);", engine), (
        "the step line no longer logs the outcome in its Debug spelling: renew the fixture"
    )
    assert 'log_steps(&report, "step")' in engine, "a playbook's steps are no longer logged with message \"step\""
    audit = (ROOT / "shared" / "src" / "audit.rs").read_text(encoding="utf-8")
    enum = re.search(r"pub enum StepOutcome \{(.*?)\n\}", audit, re.DOTALL)
    assert enum
    variants = re.findall(r"^\s*([A-Z]\w*),", enum.group(1), re.MULTILINE)  # Debug of a unit variant = its name
    assert fields["message"] == ["step"] and fields["outcome"] == ["Failed"] and "Failed" in variants

    p = hub_all_options["parameters"]
    dashboard = aws("cloudwatch").get_dashboard(DashboardName=f"{p['FunctionName']}-{REGION}")
    (widget,) = [w for w in json.loads(dashboard["DashboardBody"])["widgets"] if w["type"] == "log"]
    clauses = _filter_clauses(widget["properties"]["query"])
    outcome_clauses = [c for c in clauses if c[0] == "outcome"]
    assert outcome_clauses, "the failed-steps widget does not filter on the step's outcome"
    assert {value for _, _, value in outcome_clauses} <= set(variants), (outcome_clauses, variants)
    assert _matches(clauses, fields), f"the widget's filter {clauses} misses the logged failed step {line}"
    for other in (v for v in variants if v != "Failed"):
        done = _insights_fields(line.replace('"outcome":"Failed"', f'"outcome":"{other}"'))
        assert not _matches(clauses, done), f"the widget also lists {other} steps"


def _alarms(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {lid: r["Properties"] for lid, r in template["Resources"].items() if r["Type"] == "AWS::CloudWatch::Alarm"}


def test_an_alarm_fires_when_findings_wait_in_the_queue_and_it_is_on_the_dashboard():
    template = load_template()
    alarms = _alarms(template)
    ages = {
        lid: a for lid, a in alarms.items()
        if (a["Namespace"], a["MetricName"]) == ("AWS/SQS", "ApproximateAgeOfOldestMessage")
        and a["Dimensions"] == [{"Name": "QueueName", "Value": _getatt("FindingsQueue", "QueueName")}]
    }
    assert len(ages) == 1, "one alarm on the age of the oldest finding in FindingsQueue"
    ((lid, age),) = ages.items()
    assert age["Statistic"] == "Maximum" and age["ComparisonOperator"] == "GreaterThanThreshold"
    assert age["Period"] * age["EvaluationPeriods"] >= 900 and age["EvaluationPeriods"] >= 2
    # The threshold follows the function timeout: above what a retry costs (each waits out the visibility
    # timeout), so it only fires when findings are not being taken off the queue.
    mapping, key, attribute = age["Threshold"]["Fn::FindInMap"]
    assert key == {"Ref": "FunctionTimeout"}
    thresholds = template["Mappings"][mapping]
    visibility = template["Mappings"]["VisibilityByTimeout"]
    timeouts = template["Parameters"]["FunctionTimeout"]["AllowedValues"]
    assert set(thresholds) == set(visibility) == {str(t) for t in timeouts}
    for timeout in timeouts:
        threshold = thresholds[str(timeout)][attribute]
        assert threshold >= 2 * visibility[str(timeout)]["Seconds"] > timeout, timeout
        assert threshold < template["Resources"]["FindingsQueue"]["Properties"]["MessageRetentionPeriod"]
    # Wired like every other alarm.
    for name, alarm in alarms.items():
        assert alarm["AlarmActions"] == [{"Ref": "NotificationTopic"}], name
    assert age["OKActions"] == [{"Ref": "NotificationTopic"}]
    # And every alarm is on the dashboard's alarm widget.
    widget = re.search(r'"type": "alarm".*?"alarms": \[([^\]]*)\]', _dashboard_text(), re.DOTALL)
    assert widget
    assert set(re.findall(r"\$\{(\w+)\.Arn\}", widget.group(1))) == set(alarms)


# ----------------------------------------------------------------------------------------------- comments
def test_the_spoke_session_comment_says_what_the_hub_does():
    """hub.yaml explains, next to sts:AssumeRole, what member CloudTrail will show. Checked against the Rust
    sources it describes (hub/src/aws/sessions.rs, hub/src/cli.rs, hub/src/report.rs)."""
    lines = HUB_TEMPLATE.read_text(encoding="utf-8").splitlines()
    (at,) = [i for i, line in enumerate(lines) if "- Sid: AssumeSpokeRolesInTheOrganization" in line]
    comment = []
    for line in reversed(lines[:at]):
        if not line.strip().startswith("#"):
            break
        comment.insert(0, line.strip().lstrip("#").strip())
    text = " ".join(comment)

    sessions = (ROOT / "hub" / "src" / "aws" / "sessions.rs").read_text(encoding="utf-8")
    cli = (ROOT / "hub" / "src" / "cli.rs").read_text(encoding="utf-8")
    report = (ROOT / "hub" / "src" / "report.rs").read_text(encoding="utf-8")

    # One session name per engine, i.e. per Lambda container (bootstrap builds the engine once).
    name = re.search(r'let session_name = format!\(\s*"([\w-]*)\{\}",\s*&uuid::Uuid::new_v4\(\)\.simple\(\)'
                     r"\.to_string\(\)\[\.\.(\d+)\]", cli)
    assert name, "hub/src/cli.rs no longer draws the session name as this test expects"
    assert f"{name.group(1)}<{name.group(2)} hex digits>" in text
    assert "cached per container" in text and "drawn once per container" in text
    margin = int(re.search(r"REFRESH_MARGIN: Duration = Duration::from_secs\((\d+)\)", sessions).group(1))
    lifetime = int(re.search(r"const SESSION_SECONDS: i32 = (\d+);", sessions).group(1))
    assert f"until {margin // 60} minutes before the {lifetime // 3600}-hour session expires" in text
    (identity,) = re.findall(r"\.source_identity\(([^)]*)\)", sessions)
    if identity == "&self.session_name":
        assert "is also the SourceIdentity" in text
    else:
        assert f"SourceIdentity (hence sts:SetSourceIdentity) is always {identity}" in text
    assert "names the container's session, not the run" in text
    if re.search(r"pub spoke_session: Option<String>", report):
        assert "The audit record lists, for each finding, the role session name its calls were made under" in text
        assert "(spoke_session)" in text
    else:
        assert "The audit record does not carry the session name" in text
    assert "to the run" not in text.replace("not the run", "")


# ----------------------------------------------------------------------------------------------- event helpers
@pytest.fixture(scope="module")
def eventbridge_matches_inside_arrays(aws) -> bool:
    """Whether the emulator's EventBridge matches a pattern field inside an array of objects, as the real one does
    (`detail.findings` is an array). moto 5.2.5 does not: it only descends into objects."""
    suffix = uuid.uuid4().hex[:8]
    sqs, events = aws("sqs"), aws("events")
    queue_url = sqs.create_queue(QueueName=f"array-probe-{suffix}")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    rule = f"array-probe-{suffix}"
    events.put_rule(
        Name=rule, EventPattern=json.dumps({"source": [f"probe.{suffix}"], "detail": {"items": {"state": ["on"]}}})
    )
    events.put_targets(Rule=rule, Targets=[{"Id": "probe", "Arn": queue_arn}])
    events.put_events(
        Entries=[
            {"Source": f"probe.{suffix}", "DetailType": "probe", "Detail": json.dumps({"items": [{"state": "on"}]})}
        ]
    )
    matched = bool(sqs.receive_message(QueueUrl=queue_url).get("Messages"))
    events.remove_targets(Rule=rule, Ids=["probe"])
    events.delete_rule(Name=rule)
    sqs.delete_queue(QueueUrl=queue_url)
    return matched


def _skip_unless_emulator_can_match(pattern: dict[str, Any], matches_inside_arrays: bool) -> None:
    if "detail" in pattern and not matches_inside_arrays:
        pytest.skip(
            "the emulator's EventBridge does not match fields inside arrays (detail.findings[]); "
            "moto 5.2.5 needs a patch for the generated Imported pattern to be exercised"
        )


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _custom_action_event(action_id: str) -> dict[str, Any]:
    event = json.loads((FIXTURES / "sh-custom-action-control-ec2-2.json").read_text())
    event["account"], event["region"] = ACCOUNT, REGION
    event["resources"] = [f"arn:aws:securityhub:{REGION}:{ACCOUNT}:action/custom/{action_id}"]
    return event


def _imported_event(workflow: str) -> dict[str, Any]:
    """The public S3.8 control finding, in the consolidated form Security Hub sends today, in an Imported event."""
    finding = json.loads((FIXTURES / "finding-control-s3-8.json").read_text())
    finding["Compliance"] = {"Status": "FAILED", "SecurityControlId": "S3.8"}
    finding["Workflow"] = {"Status": workflow}
    finding["RecordState"] = "ACTIVE"
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Security Hub Findings - Imported",
        "source": "aws.securityhub",
        "account": ACCOUNT,
        "time": "2026-11-25T12:00:00Z",
        "region": REGION,
        "resources": [finding["Id"]],
        "detail": {"findings": [finding]},
    }


def _deliver(aws, hub: dict[str, Any], events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """put_events, then everything that arrived on the findings queue. The event source mapping is disabled first:
    moto would otherwise try to run the function (in Docker) for each message."""
    p = hub["parameters"]
    lam = aws("lambda")
    for mapping in lam.list_event_source_mappings(FunctionName=p["FunctionName"])["EventSourceMappings"]:
        if mapping["State"] != "Disabled":
            lam.update_event_source_mapping(UUID=mapping["UUID"], Enabled=False)
    entries = [
        {
            "Source": e["source"],
            "DetailType": e["detail-type"],
            "Detail": json.dumps(e["detail"]),
            "Resources": e["resources"],
        }
        for e in events
    ]
    result = aws("events").put_events(Entries=entries)
    assert result["FailedEntryCount"] == 0
    sqs = aws("sqs")
    received = []
    while True:
        messages = sqs.receive_message(QueueUrl=hub["physical"]["FindingsQueue"], MaxNumberOfMessages=10).get(
            "Messages", []
        )
        if not messages:
            return received
        for m in messages:
            received.append(json.loads(m["Body"]))
            sqs.delete_message(QueueUrl=hub["physical"]["FindingsQueue"], ReceiptHandle=m["ReceiptHandle"])
