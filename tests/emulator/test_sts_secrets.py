"""AssumeRole realism (role must exist, trust must name the caller) and the RotateSecret stand-in."""

import json

import pytest
from botocore.exceptions import ClientError

from helpers import DEFAULT_ACCOUNT, error_of

MEMBER = "210987654321"


def trust(principal) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}]})


def creds_of(answer: dict) -> dict:
    c = answer["Credentials"]
    return {"access_key_id": c["AccessKeyId"], "secret_access_key": c["SecretAccessKey"],
            "session_token": c["SessionToken"]}


def test_assuming_a_missing_role_is_access_denied_with_the_sts_error_shape(emulator):
    arn = f"arn:aws:iam::{MEMBER}:role/SecurityAutomationRemediationRole"
    with pytest.raises(ClientError) as refused:
        emulator.client("sts").assume_role(RoleArn=arn, RoleSessionName="riposte")
    code, status, error = error_of(refused)
    assert (code, status, error["Type"]) == ("AccessDenied", 403, "Sender")
    assert error["Message"] == (f"User: arn:aws:sts::{DEFAULT_ACCOUNT}:user/moto is not authorized to perform: "
                                f"sts:AssumeRole on resource: {arn}")


def test_a_role_trusting_the_callers_account_yields_credentials_that_act_in_the_member(emulator):
    iam = emulator.client("iam", account=MEMBER)
    role = iam.create_role(RoleName="spoke", AssumeRolePolicyDocument=trust(
        {"AWS": f"arn:aws:iam::{DEFAULT_ACCOUNT}:root"}))["Role"]
    answer = emulator.client("sts").assume_role(RoleArn=role["Arn"], RoleSessionName="riposte")
    assert answer["Credentials"]["AccessKeyId"].startswith("ASIA")
    assert answer["AssumedRoleUser"]["AssumedRoleId"] == f"{role['RoleId']}:riposte"
    member = emulator.client("sts", creds=creds_of(answer))
    assert member.get_caller_identity()["Arn"] == f"arn:aws:sts::{MEMBER}:assumed-role/spoke/riposte"
    emulator.client("iam", creds=creds_of(answer)).create_user(UserName="made-by-spoke")
    assert iam.get_user(UserName="made-by-spoke")["User"]["Arn"] == f"arn:aws:iam::{MEMBER}:user/made-by-spoke"
    last = emulator.get("/_riposte/calls", operation="CreateUser")["calls"][-1]
    assert (last["account_id"], last["access_key_id"]) == (MEMBER, answer["Credentials"]["AccessKeyId"])


def test_a_trust_policy_that_does_not_name_the_caller_is_refused(emulator):
    iam = emulator.client("iam", account=MEMBER)
    others = iam.create_role(RoleName="others",
                             AssumeRolePolicyDocument=trust({"AWS": "arn:aws:iam::999999999999:root"}))
    service = iam.create_role(RoleName="ec2-only", AssumeRolePolicyDocument=trust({"Service": "ec2.amazonaws.com"}))
    for role in (others, service):
        with pytest.raises(ClientError) as refused:
            emulator.client("sts").assume_role(RoleArn=role["Role"]["Arn"], RoleSessionName="probe")
        assert error_of(refused)[:2] == ("AccessDenied", 403)


def test_a_role_can_be_named_by_its_arn_and_a_service_can_be_impersonated_for_setup(emulator):
    iam = emulator.client("iam", account=MEMBER)
    hub = iam.create_role(RoleName="hub", AssumeRolePolicyDocument=trust({"AWS": f"arn:aws:iam::{MEMBER}:root"}))
    iam.create_role(RoleName="spoke", AssumeRolePolicyDocument=trust({"AWS": hub["Role"]["Arn"]}))
    iam.create_role(RoleName="app", AssumeRolePolicyDocument=trust({"Service": "ec2.amazonaws.com"}))
    hub_creds = creds_of(emulator.client("sts", account=MEMBER).assume_role(
        RoleArn=hub["Role"]["Arn"], RoleSessionName="hub"))
    spoke = emulator.client("sts", creds=hub_creds).assume_role(
        RoleArn=f"arn:aws:iam::{MEMBER}:role/spoke", RoleSessionName="run")
    assert spoke["AssumedRoleUser"]["Arn"].endswith(":assumed-role/spoke/run")
    with pytest.raises(ClientError):
        emulator.client("sts", account=MEMBER).assume_role(RoleArn=f"arn:aws:iam::{MEMBER}:role/spoke",
                                                           RoleSessionName="not-the-hub")
    as_ec2 = emulator.client("sts", account=MEMBER)
    as_ec2.meta.events.register("before-sign.sts.AssumeRole", lambda request, **_: request.headers.__setitem__(
        "x-riposte-service-principal", "ec2.amazonaws.com"))
    app = as_ec2.assume_role(RoleArn=f"arn:aws:iam::{MEMBER}:role/app", RoleSessionName="i-0123456789abcdef0")
    assert app["AssumedRoleUser"]["AssumedRoleId"].endswith(":i-0123456789abcdef0")


# ------------------------------------------------------------------ Secrets Manager

def test_rotate_secret_with_rotation_configured_stands_in_for_a_successful_rotation(emulator):
    sm = emulator.client("secretsmanager", account=MEMBER)
    created = sm.create_secret(Name="ci/api-token", SecretString=json.dumps({"token": "old"}))
    rotator = f"arn:aws:lambda:us-east-1:{MEMBER}:function:rotator"
    configured = sm.rotate_secret(SecretId=created["ARN"], RotationLambdaARN=rotator,
                                  RotationRules={"AutomaticallyAfterDays": 30}, RotateImmediately=False)
    assert "VersionId" not in configured and sm.describe_secret(SecretId=created["ARN"]).get("LastRotatedDate") is None
    answer = sm.rotate_secret(SecretId="ci/api-token")  # no Lambda ARN: the configured one is used
    assert answer["ARN"] == created["ARN"] and answer["VersionId"] != created["VersionId"]
    described = sm.describe_secret(SecretId=created["ARN"])
    assert described["RotationEnabled"] is True and described["RotationLambdaARN"] == rotator
    assert described["LastRotatedDate"] is not None
    assert described["VersionIdsToStages"] == {created["VersionId"]: ["AWSPREVIOUS"],
                                               answer["VersionId"]: ["AWSCURRENT"]}
    value = json.loads(sm.get_secret_value(SecretId=created["ARN"])["SecretString"])
    assert set(value) == {"token"} and value["token"] != "old"
    [rotation] = emulator.get("/_riposte/rotations")["rotations"]
    assert (rotation["secret_arn"], rotation["version_id"], rotation["account_id"]) == (
        created["ARN"], answer["VersionId"], MEMBER)


def test_rotate_secret_without_any_rotation_function_is_the_real_error(emulator):
    sm = emulator.client("secretsmanager", account=MEMBER)
    sm.create_secret(Name="legacy", SecretString="pw")
    with pytest.raises(ClientError) as refused:
        sm.rotate_secret(SecretId="legacy")
    code, status, error = error_of(refused)
    assert (code, status) == ("InvalidRequestException", 400)
    assert error["Message"] == "No Lambda rotation function ARN is associated with this secret."


def test_list_secrets_filters_by_tag_key_and_value(emulator):
    sm = emulator.client("secretsmanager", account=MEMBER)
    link = [{"Key": "riposte:linked-iam-user", "Value": "ci-deployer"}]
    sm.create_secret(Name="a", SecretString="x", Tags=link)
    sm.create_secret(Name="b", SecretString="x", Tags=[{"Key": "riposte:linked-iam-user", "Value": "someone"}])
    sm.create_secret(Name="c", SecretString="x")

    def names(*filters) -> list:
        return sorted(s["Name"] for s in sm.list_secrets(Filters=list(filters))["SecretList"])

    assert names({"Key": "tag-key", "Values": ["riposte:linked-iam-user"]}) == ["a", "b"]
    assert names({"Key": "tag-key", "Values": ["riposte:linked-iam-user"]},
                 {"Key": "tag-value", "Values": ["ci-deployer"]}) == ["a"]
    assert names({"Key": "tag-value", "Values": ["ci-"]}) == ["a"]  # values match by prefix, as in AWS
    # Each filter matches any tag: the value may sit on another tag than the key. Callers must re-check the pair.
    sm.create_secret(Name="d", SecretString="x", Tags=[{"Key": "riposte:linked-iam-user", "Value": "else"},
                                                      {"Key": "owner", "Value": "ci-deployer"}])
    assert names({"Key": "tag-key", "Values": ["riposte:linked-iam-user"]},
                 {"Key": "tag-value", "Values": ["ci-deployer"]}) == ["a", "d"]


def test_session_duration_limits_are_enforced(emulator):
    iam = emulator.client("iam", account=MEMBER)
    root = {"AWS": f"arn:aws:iam::{MEMBER}:root"}
    hub = iam.create_role(RoleName="hub", AssumeRolePolicyDocument=trust(root), MaxSessionDuration=43200)["Role"]
    iam.create_role(RoleName="spoke", AssumeRolePolicyDocument=trust(root))
    sts = emulator.client("sts", account=MEMBER)
    hub_creds = creds_of(sts.assume_role(RoleArn=hub["Arn"], RoleSessionName="hub", DurationSeconds=43200))
    with pytest.raises(ClientError) as too_long:
        sts.assume_role(RoleArn=f"arn:aws:iam::{MEMBER}:role/spoke", RoleSessionName="spoke", DurationSeconds=7200)
    assert error_of(too_long)[:2] == ("ValidationError", 400)
    assert "MaxSessionDuration" in error_of(too_long)[2]["Message"]
    chained = emulator.client("sts", creds=hub_creds)
    with pytest.raises(ClientError) as chaining:
        chained.assume_role(RoleArn=hub["Arn"], RoleSessionName="again", DurationSeconds=7200)
    assert error_of(chaining)[:2] == ("ValidationError", 400)
    assert "role chaining" in error_of(chaining)[2]["Message"]
    chained.assume_role(RoleArn=f"arn:aws:iam::{MEMBER}:role/spoke", RoleSessionName="ok", DurationSeconds=3600)
