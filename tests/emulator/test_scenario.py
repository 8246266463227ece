"""The scenario builds the organization, spokes, incidents and findings the Rust integration tests rely on."""

import json
import subprocess
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from helpers import error_of

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def world(running_emulator):
    done = subprocess.run([str(ROOT / "scripts" / "emulator-scenario"), running_emulator.url],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return running_emulator, json.loads(done.stdout)  # stdout is exactly one JSON document


def creds(manifest: dict, key: str = "hub_credentials") -> dict:
    return manifest[key]


def test_the_manifest_names_the_org_and_reads_account_ids_back(world):
    emulator, m = world
    accounts = emulator.client("organizations").list_accounts()["Accounts"]
    by_name = {a["Name"]: a["Id"] for a in accounts}
    assert m["hub_account"] == by_name["security"]
    assert {x["name"]: x["account_id"] for x in m["members"]} == {
        n: by_name[n] for n in ("workload-a", "workload-b", "workload-c", "sandbox")}
    assert m["org_id"].startswith("o-") and by_name["master"] == m["management_account"]  # moto's name for it
    assert m["region"] == "us-east-1" and m["endpoint"] == emulator.url


def test_stackset_roles_exist_in_three_members_and_not_in_sandbox(world):
    emulator, m = world
    for member in m["members"]:
        iam = emulator.client("iam", account=member["account_id"])
        if member["spoke_role"]:
            role = iam.get_role(RoleName=m["spoke_role_name"])["Role"]
            assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {
                "AWS": f"arn:aws:iam::{m['hub_account']}:root"}
        else:
            with pytest.raises(ClientError):
                iam.get_role(RoleName=m["spoke_role_name"])
    assert [x["name"] for x in m["members"] if x["spoke_role"]] == ["workload-a", "workload-b", "workload-c"]
    instances = emulator.client("cloudformation").list_stack_instances(StackSetName=m["stackset_name"])
    assert len(instances["Summaries"]) == 3
    workload_a = emulator.client("iam", account=m["members"][0]["account_id"])
    # Session revocation is its own policy, present because AllowSessionRevocation defaults to true.
    names = workload_a.list_role_policies(RoleName=m["spoke_role_name"])["PolicyNames"]
    assert sorted(names) == ["riposte-remediation", "riposte-session-revocation"]
    for name in names:
        document = workload_a.get_role_policy(RoleName=m["spoke_role_name"], PolicyName=name)["PolicyDocument"]
        assert isinstance(document, dict) and document["Statement"]  # JSON, not moto's str(dict)


def test_the_hub_credentials_act_in_the_hub_and_reach_spokes_but_not_sandbox(world):
    emulator, m = world
    sts = emulator.client("sts", creds=creds(m))
    assert sts.get_caller_identity()["Account"] == m["hub_account"]
    members = {x["name"]: x["account_id"] for x in m["members"]}
    role = f"arn:aws:iam::{members['workload-a']}:role/{m['spoke_role_name']}"
    spoke = sts.assume_role(RoleArn=role, RoleSessionName="riposte-test", SourceIdentity="riposte")
    assert spoke["AssumedRoleUser"]["Arn"].startswith(f"arn:aws:sts::{members['workload-a']}:assumed-role/")
    with pytest.raises(ClientError) as refused:
        sts.assume_role(RoleArn=f"arn:aws:iam::{members['sandbox']}:role/{m['spoke_role_name']}",
                        RoleSessionName="riposte-test")
    assert error_of(refused)[:2] == ("AccessDenied", 403)


def test_findings_sit_in_the_hub_with_imported_events_and_an_empty_call_log(world):
    emulator, m = world
    hub = emulator.client("securityhub", account=m["hub_account"])
    stored = {f["Id"]: f for f in hub.get_findings()["Findings"]}
    assert [f["key"] for f in m["findings"]] == ["user-compromise", "role-compromise", "old-keys", "world-open-ssh",
                                                 "default-group", "public-bucket",
                                                 "mixed-bucket", "excluded-bucket", "hidden-acl-bucket",
                                                 "sandbox-bucket"]
    for entry in m["findings"]:
        f = stored[entry["id"]]
        assert (f["ProductArn"], f["AwsAccountId"]) == (entry["product_arn"], entry["account_id"])
        assert f["Workflow"]["Status"] == "NEW" and f["RecordState"] == "ACTIVE"
    user = stored[m["findings"][0]["id"]]
    assert user["ProductName"] == "GuardDuty" and user["Severity"]["Label"] == "HIGH"
    details = user["Resources"][0]["Details"]["AwsIamAccessKey"]
    compromised = m["incidents"]["user_compromise"]["compromised_access_key_id"]
    assert user["Resources"][0]["Id"] == f"AWS::IAM::AccessKey:{compromised}"
    assert (details["PrincipalType"], details["PrincipalName"]) == ("IAMUser", "ci-deployer")
    role = stored[m["findings"][1]["id"]]["Resources"][0]
    assert role["Id"].startswith("AWS::IAM::AccessKey:ASIA")
    assert role["Details"]["AwsIamAccessKey"]["PrincipalId"].endswith(":i-0123456789abcdef0")
    old = stored[m["findings"][2]["id"]]
    assert old["Compliance"]["SecurityControlId"] == "IAM.3" and old["Resources"][0]["Type"] == "AwsIamUser"
    bucket = stored[m["findings"][5]["id"]]
    assert bucket["Compliance"] == {**bucket["Compliance"], "SecurityControlId": "S3.8", "Status": "FAILED"}
    assert bucket["Resources"][0]["Details"]["AwsS3Bucket"]["OwnerAccountId"] == m["findings"][5]["account_id"]
    events = emulator.get("/_riposte/events")["events"]
    assert [e["detail"]["findings"][0]["Id"] for e in events] == [f["id"] for f in m["findings"]]
    assert {e["account"] for e in events} == {m["hub_account"]}
    assert m["imported_event_count"] == 10


def test_incidents_are_in_place(world):
    emulator, m = world
    inc, bys = m["incidents"], m["bystanders"]
    user = inc["user_compromise"]
    iam = emulator.client("iam", account=user["account_id"])
    keys = iam.list_access_keys(UserName="ci-deployer")["AccessKeyMetadata"]
    assert sorted(k["AccessKeyId"] for k in keys) == sorted(user["access_key_ids"])
    assert {k["Status"] for k in keys} == {"Active"}
    sm = emulator.client("secretsmanager", account=user["account_id"])
    linked = sm.list_secrets(Filters=[{"Key": "tag-key", "Values": ["riposte:linked-iam-user"]},
                                      {"Key": "tag-value", "Values": ["ci-deployer"]}])["SecretList"]
    assert sorted(s["Name"] for s in linked) == ["ci-deployer/api-token", "ci-deployer/legacy"]
    twin = bys["same_name_user"]
    other = emulator.client("iam", account=twin["account_id"]).list_access_keys(UserName="ci-deployer")
    assert len(other["AccessKeyMetadata"]) == 2 and twin["account_id"] != user["account_id"]
    public = inc["public_bucket"]
    s3 = emulator.client("s3", account=public["account_id"])
    grants = s3.get_bucket_acl(Bucket=public["bucket"], ExpectedBucketOwner=public["account_id"])["Grants"]
    assert any(g["Grantee"].get("URI", "").endswith("/AllUsers") for g in grants)
    policy = json.loads(s3.get_bucket_policy(Bucket=inc["mixed_bucket"]["bucket"])["Policy"])
    assert [s["Sid"] for s in policy["Statement"]] == ["PublicRead", "AllowLogDelivery", "DelegateToAccessPoints"]
    hidden = inc["hidden_acl_bucket"]["bucket"]
    shown = s3.get_bucket_acl(Bucket=hidden)["Grants"]
    assert not any(g["Grantee"].get("URI", "").endswith("/AllUsers") for g in shown), "IgnorePublicAcls hides it"
    tags = s3.get_bucket_tagging(Bucket=inc["excluded_bucket"]["bucket"])["TagSet"]
    assert tags == [{"Key": "AutoRemediate", "Value": "false"}]


def test_session_revocation_is_opt_in_in_the_spoke_template(world):
    emulator, m = world
    template = Path(m["spoke_template"]).read_text()
    cfn = emulator.client("cloudformation")
    params = {"HubAccountId": m["hub_account"], "OrganizationId": m["org_id"],
              "RoleName": "riposte-spoke-without-revocation", "AllowSessionRevocation": "false"}
    cfn.create_stack(StackName="riposte-spoke-no-revocation", TemplateBody=template, Capabilities=["CAPABILITY_NAMED_IAM"],
                     Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in params.items()])
    iam = emulator.client("iam")
    names = iam.list_role_policies(RoleName="riposte-spoke-without-revocation")["PolicyNames"]
    assert names == ["riposte-remediation"]
    document = iam.get_role_policy(RoleName="riposte-spoke-without-revocation",
                                   PolicyName="riposte-remediation")["PolicyDocument"]
    assert "iam:PutRolePolicy" not in json.dumps(document)
