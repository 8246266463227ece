"""The IAM switch (riposte_emulator/iam_eval.py): spoke sessions are authorized against their role's policies as AWS
IAM would — Allow/Deny, wildcards, resource types, conditions, the on-behalf lambda:InvokeFunction of RotateSecret —
and refused in each service's own error shape; other callers, and everything with the switch off, are untouched."""

import json
import re
from pathlib import Path

import pytest
import requests
from botocore.exceptions import ClientError

from helpers import DEFAULT_ACCOUNT, error_of
from riposte_emulator import iam_eval

MEMBER = "210987654321"
SPOKE = "SecurityAutomationRemediationRole"
OTHER = "NotEvaluatedRole"
USERS = f"arn:aws:iam::{MEMBER}:user/*"
TEMPLATE = Path(__file__).resolve().parents[2] / "stacksets" / "spoke-role.yaml"


def document(*statements) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(actions, resources, **condition) -> dict:
    statement = {"Effect": "Allow", "Action": actions, "Resource": resources}
    if condition:
        statement["Condition"] = condition
    return statement


def deny(actions, resources) -> dict:
    return {"Effect": "Deny", "Action": actions, "Resource": resources}


@pytest.fixture(scope="module")
def world(running_emulator):
    """One reset for the module: users with keys, a secret and a security group in MEMBER; the switch on."""
    em = running_emulator
    em.reset()
    iam = em.client("iam", account=MEMBER)
    keys = {}
    for user in ("ci-deployer", "alice"):
        iam.create_user(UserName=user)
        keys[user] = iam.create_access_key(UserName=user)["AccessKey"]["AccessKeyId"]
    em.client("secretsmanager", account=MEMBER).create_secret(Name="ci-deployer/api-token", SecretString="{}")
    ec2 = em.client("ec2", account=MEMBER)
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    group = ec2.create_security_group(GroupName="web", Description="web", VpcId=vpc)["GroupId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    em.client("s3", account=MEMBER).create_bucket(Bucket="iam-eval-bucket")
    switch(em, enabled=True, roles=[SPOKE])
    yield {"em": em, "iam": iam, "keys": keys, "vpc": vpc, "group": group, "subnet": subnet, "n": [0]}
    requests.delete(em.url + "/_riposte/iam/eval", timeout=10)


def switch(em, **body) -> dict:
    answer = requests.post(em.url + "/_riposte/iam/eval", json=body, timeout=10)
    answer.raise_for_status()
    return answer.json()


def session(world, *statements, role: str = SPOKE) -> dict:
    """Credentials of a fresh session of `role` (re-created with exactly these statements as its inline policy)."""
    em, iam = world["em"], world["iam"]
    world["n"][0] += 1
    try:
        for name in iam.list_role_policies(RoleName=role)["PolicyNames"]:
            iam.delete_role_policy(RoleName=role, PolicyName=name)
        for attached in iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]:
            iam.detach_role_policy(RoleName=role, PolicyArn=attached["PolicyArn"])
    except ClientError:
        iam.create_role(RoleName=role, AssumeRolePolicyDocument=document(
            {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{DEFAULT_ACCOUNT}:root"},
             "Action": "sts:AssumeRole"}))
    iam.put_role_policy(RoleName=role, PolicyName="riposte-remediation", PolicyDocument=document(*statements))
    c = em.client("sts").assume_role(RoleArn=f"arn:aws:iam::{MEMBER}:role/{role}",
                                     RoleSessionName=f"riposte-{world['n'][0]}")["Credentials"]
    return {"access_key_id": c["AccessKeyId"], "secret_access_key": c["SecretAccessKey"],
            "session_token": c["SessionToken"]}


def refused(call) -> tuple[str, int, str]:
    with pytest.raises(ClientError) as caught:
        call()
    code, status, error = error_of(caught)
    return code, status, error["Message"]


def last_call(em, operation: str) -> dict:
    return em.get("/_riposte/calls", operation=operation)["calls"][-1]


def test_a_user_grant_deactivates_a_key_and_an_ungranted_list_is_access_denied(world):
    em, key = world["em"], world["keys"]["ci-deployer"]
    iam = em.client("iam", creds=session(world, allow("iam:UpdateAccessKey", USERS)))
    iam.update_access_key(UserName="ci-deployer", AccessKeyId=key, Status="Inactive")
    assert world["iam"].list_access_keys(UserName="ci-deployer")["AccessKeyMetadata"][0]["Status"] == "Inactive"
    code, status, message = refused(lambda: iam.list_access_keys(UserName="ci-deployer"))
    assert (code, status) == ("AccessDenied", 403)
    assert re.fullmatch(
        rf"User: arn:aws:sts::{MEMBER}:assumed-role/{SPOKE}/riposte-\d+ is not authorized to perform: "
        rf"iam:ListAccessKeys on resource: arn:aws:iam::{MEMBER}:user/ci-deployer because no identity-based "
        r"policy allows the iam:ListAccessKeys action", message)
    journal = last_call(em, "ListAccessKeys")
    assert (journal["status"], journal["iam_decision"]) == (403, "Deny")
    assert journal["iam"]["checks"] == [{"action": "iam:ListAccessKeys", "resource_type": "user",
                                         "resource": f"arn:aws:iam::{MEMBER}:user/ci-deployer", "decision": "Deny",
                                         "reason": "no identity-based policy allows the iam:ListAccessKeys action"}]
    assert last_call(em, "UpdateAccessKey")["iam_decision"] == "Allow"
    world["iam"].update_access_key(UserName="ci-deployer", AccessKeyId=key, Status="Active")


def test_an_explicit_deny_overrides_an_allow_and_leaves_the_rest_allowed(world):
    em = world["em"]
    iam = em.client("iam", creds=session(world, allow("iam:*", USERS),
                                         deny("iam:UpdateAccessKey", f"arn:aws:iam::{MEMBER}:user/ci-*")))
    code, status, message = refused(lambda: iam.update_access_key(
        UserName="ci-deployer", AccessKeyId=world["keys"]["ci-deployer"], Status="Inactive"))
    assert (code, status) == ("AccessDenied", 403)
    assert message.endswith("with an explicit deny in an identity-based policy")
    assert world["iam"].list_access_keys(UserName="ci-deployer")["AccessKeyMetadata"][0]["Status"] == "Active"
    iam.update_access_key(UserName="alice", AccessKeyId=world["keys"]["alice"], Status="Active")
    assert iam.list_access_keys(UserName="ci-deployer")["AccessKeyMetadata"]


def test_a_wildcard_action_matches_case_insensitively_and_only_its_own_prefix(world):
    iam = world["em"].client("iam", creds=session(world, allow("iam:list*", USERS)))
    assert iam.list_access_keys(UserName="alice")["AccessKeyMetadata"]
    iam.list_user_tags(UserName="alice")
    assert refused(lambda: iam.get_user(UserName="alice"))[:2] == ("AccessDenied", 403)


def test_a_grant_on_the_wrong_resource_type_is_refused(world):
    roles = f"arn:aws:iam::{MEMBER}:role/*"
    iam = world["em"].client("iam", creds=session(world, allow(["iam:UpdateAccessKey", "iam:ListUsers"], roles)))
    code, _, message = refused(lambda: iam.update_access_key(
        UserName="alice", AccessKeyId=world["keys"]["alice"], Status="Inactive"))
    assert code == "AccessDenied" and f"on resource: arn:aws:iam::{MEMBER}:user/alice because" in message
    # ListUsers has no resource type: only Resource "*" grants it.
    assert "on resource: * because" in refused(iam.list_users)[2]


def test_the_policy_arn_condition_allows_aws_deny_all_and_refuses_administrator_access(world):
    iam = world["em"].client("iam", creds=session(world, allow(
        ["iam:AttachUserPolicy", "iam:DetachUserPolicy"], USERS,
        ArnEquals={"iam:PolicyARN": "arn:aws:iam::aws:policy/AWSDenyAll"})))
    iam.attach_user_policy(UserName="alice", PolicyArn="arn:aws:iam::aws:policy/AWSDenyAll")
    code, _, message = refused(lambda: iam.attach_user_policy(
        UserName="alice", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess"))
    assert code == "AccessDenied" and "iam:AttachUserPolicy" in message
    attached = world["iam"].list_attached_user_policies(UserName="alice")["AttachedPolicies"]
    assert [p["PolicyName"] for p in attached] == ["AWSDenyAll"]
    iam.detach_user_policy(UserName="alice", PolicyArn="arn:aws:iam::aws:policy/AWSDenyAll")


def test_rotate_secret_needs_lambda_invoke_function_on_the_rotation_function(world):
    em = world["em"]
    function = f"arn:aws:lambda:us-east-1:{MEMBER}:function:rotate-ci-deployer"
    secrets = f"arn:aws:secretsmanager:*:{MEMBER}:secret:*"
    em.delete("/_riposte/rotations")
    without = em.client("secretsmanager", creds=session(world, allow("secretsmanager:RotateSecret", secrets)))
    code, status, message = refused(lambda: without.rotate_secret(SecretId="ci-deployer/api-token",
                                                                   RotationLambdaARN=function))
    assert (code, status) == ("AccessDeniedException", 400)
    assert f"lambda:InvokeFunction on resource: {function} because" in message
    assert em.get("/_riposte/rotations")["rotations"] == []
    checks = last_call(em, "RotateSecret")["iam"]["checks"]
    assert [(c["action"], c["decision"], c.get("via")) for c in checks] == [
        ("secretsmanager:RotateSecret", "Allow", None),
        ("lambda:InvokeFunction", "Deny", "secretsmanager.amazonaws.com")]
    wrong_function = em.client("secretsmanager", creds=session(
        world, allow("secretsmanager:RotateSecret", secrets),
        allow("lambda:InvokeFunction", f"arn:aws:lambda:*:{MEMBER}:function:other")))
    assert refused(lambda: wrong_function.rotate_secret(SecretId="ci-deployer/api-token",
                                                        RotationLambdaARN=function))[0] == "AccessDeniedException"
    granted = em.client("secretsmanager", creds=session(
        world, allow("secretsmanager:RotateSecret", secrets),
        allow("lambda:InvokeFunction", f"arn:aws:lambda:*:{MEMBER}:function:*",
              StringEquals={"aws:CalledViaFirst": "secretsmanager.amazonaws.com"})))
    assert granted.rotate_secret(SecretId="ci-deployer/api-token", RotationLambdaARN=function)["VersionId"]
    assert len(em.get("/_riposte/rotations")["rotations"]) == 1


def test_ec2_refusals_are_unauthorized_operation_and_every_named_resource_is_authorized(world):
    em, group, vpc = world["em"], world["group"], world["vpc"]
    groups = f"arn:aws:ec2:*:{MEMBER}:security-group/*"
    ec2 = em.client("ec2", creds=session(world, allow("ec2:Describe*", "*"),
                                         allow(["ec2:RevokeSecurityGroupEgress", "ec2:CreateTags"], groups)))
    assert ec2.describe_security_groups(GroupIds=[group])["SecurityGroups"]
    ec2.revoke_security_group_egress(GroupId=group, IpPermissions=[
        {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    ec2.create_tags(Resources=[group], Tags=[{"Key": "riposte:isolated", "Value": "true"}])
    code, status, message = refused(lambda: ec2.create_tags(Resources=[group, vpc], Tags=[{"Key": "k", "Value": "v"}]))
    assert (code, status) == ("UnauthorizedOperation", 403)
    assert message.startswith("You are not authorized to perform this operation. ")
    assert f"ec2:CreateTags on resource: arn:aws:ec2:us-east-1:{MEMBER}:vpc/{vpc} because" in message
    code, _, message = refused(lambda: ec2.modify_subnet_attribute(SubnetId=world["subnet"],
                                                                   MapPublicIpOnLaunch={"Value": False}))
    assert code == "UnauthorizedOperation" and f"subnet/{world['subnet']}" in message


def test_s3_resource_account_condition_and_the_s3_error_shape(world):
    em = world["em"]
    s3 = em.client("s3", creds=session(world, allow("s3:PutBucketPublicAccessBlock", "arn:aws:s3:::*",
                                                    StringEquals={"s3:ResourceAccount": MEMBER}),
                                       allow("s3:GetBucketPublicAccessBlock", "arn:aws:s3:::*",
                                             StringEquals={"s3:ResourceAccount": "999999999999"})))
    block = {k: True for k in ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")}
    s3.put_public_access_block(Bucket="iam-eval-bucket", PublicAccessBlockConfiguration=block)
    assert refused(lambda: s3.get_public_access_block(Bucket="iam-eval-bucket"))[:2] == ("AccessDenied", 403)
    assert refused(lambda: s3.get_bucket_acl(Bucket="iam-eval-bucket"))[:2] == ("AccessDenied", 403)
    # S3 looks the bucket up before it authorizes: a missing bucket is NoSuchBucket whatever the policy says.
    assert refused(lambda: s3.get_bucket_acl(Bucket="iam-eval-no-such-bucket"))[:2] == ("NoSuchBucket", 404)
    assert last_call(em, "GetBucketAcl")["iam_decision"] == "NotEvaluated"


def test_the_real_spoke_template_guards_policy_attachment_tags_and_snapshot_sharing(world):
    """stacksets/spoke-role.yaml as the StackSet deploys it: its conditions hold as AWS would apply them."""
    em, role = world["em"], "SpokeFromTemplate"
    em.client("cloudformation", account=MEMBER).create_stack(
        StackName="spoke-role", TemplateBody=TEMPLATE.read_text(), Capabilities=["CAPABILITY_NAMED_IAM"],
        Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in {
            "HubAccountId": DEFAULT_ACCOUNT, "OrganizationId": "o-abcdefghij", "RoleName": role}.items()])
    switch(em, roles=[SPOKE, role])
    try:
        c = em.client("sts").assume_role(RoleArn=f"arn:aws:iam::{MEMBER}:role/{role}",
                                         RoleSessionName="riposte")["Credentials"]
        creds = {"access_key_id": c["AccessKeyId"], "secret_access_key": c["SecretAccessKey"],
                 "session_token": c["SessionToken"]}
        iam, ec2 = em.client("iam", creds=creds), em.client("ec2", creds=creds)
        iam.attach_user_policy(UserName="alice", PolicyArn="arn:aws:iam::aws:policy/AWSDenyAll")
        iam.detach_user_policy(UserName="alice", PolicyArn="arn:aws:iam::aws:policy/AWSDenyAll")
        assert refused(lambda: iam.attach_user_policy(
            UserName="alice", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess"))[0] == "AccessDenied"
        admin = em.client("ec2", account=MEMBER)
        instance = admin.run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1)["Instances"][0]["InstanceId"]
        ec2.create_tags(Resources=[instance], Tags=[{"Key": "riposte:isolated", "Value": "true"}])
        other_key = [{"Key": "riposte:isolated", "Value": "true"}, {"Key": "Owner", "Value": "x"}]
        assert refused(lambda: ec2.create_tags(Resources=[instance], Tags=other_key))[0] == "UnauthorizedOperation"
        volume = admin.create_volume(AvailabilityZone="us-east-1a", Size=1)["VolumeId"]
        snapshot = admin.create_snapshot(VolumeId=volume)["SnapshotId"]
        admin.modify_snapshot_attribute(SnapshotId=snapshot, Attribute="createVolumePermission",
                                        OperationType="add", GroupNames=["all"])
        ec2.modify_snapshot_attribute(SnapshotId=snapshot, Attribute="createVolumePermission",
                                      OperationType="remove", GroupNames=["all"])
        for sharing in ({"UserIds": ["999999999999"]}, {"GroupNames": ["all"]}):
            code, _, message = refused(lambda: ec2.modify_snapshot_attribute(
                SnapshotId=snapshot, Attribute="createVolumePermission", OperationType="add", **sharing))
            assert code == "UnauthorizedOperation" and message.endswith("with an explicit deny in an identity-based "
                                                                        "policy")
    finally:
        switch(em, roles=[SPOKE])


def test_other_roles_and_the_switch_off_are_not_evaluated(world):
    em = world["em"]
    other = em.client("iam", creds=session(world, allow("iam:GetUser", USERS), role=OTHER))
    assert other.list_access_keys(UserName="alice")["AccessKeyMetadata"]
    assert "iam" not in last_call(em, "ListAccessKeys")
    spoke = em.client("iam", creds=session(world, allow("iam:GetUser", USERS)))
    assert refused(lambda: spoke.list_access_keys(UserName="alice"))[0] == "AccessDenied"
    try:
        assert switch(em, enabled=False)["enabled"] is False
        assert spoke.list_access_keys(UserName="alice")["AccessKeyMetadata"]
        assert "iam" not in last_call(em, "ListAccessKeys")
    finally:
        switch(em, enabled=True)
    view = em.get("/_riposte/iam/eval")
    assert view["enabled"] is True and view["roles"] == [SPOKE] and view["counts"]["Deny"] >= 1
    assert requests.post(em.url + "/_riposte/iam/eval", json={"enabled": "yes"}, timeout=10).status_code == 400
    assert requests.post(em.url + "/_riposte/iam/eval", json={"role": [SPOKE]}, timeout=10).status_code == 400


# ------------------------------------------------------------------ the evaluator itself (no server)

CTX = {"aws:principalarn": [f"arn:aws:iam::{MEMBER}:role/{SPOKE}"], "aws:principalaccount": [MEMBER],
       "aws:calledvia": ["secretsmanager.amazonaws.com"], "aws:tagkeys": ["a", "b"]}


@pytest.mark.parametrize("operator, key, value, holds", [
    ("StringEquals", "aws:PrincipalAccount", MEMBER, True),
    ("StringEquals", "aws:principalaccount", [MEMBER, "1"], True),  # keys are case-insensitive
    ("StringEquals", "aws:SourceVpc", "vpc-1", False),  # a missing key never matches ...
    ("StringNotEquals", "aws:SourceVpc", "vpc-1", True),  # ... except under a negated operator
    ("StringEqualsIfExists", "aws:SourceVpc", "vpc-1", True),
    ("Null", "aws:SourceVpc", "true", True),
    ("Null", "aws:PrincipalAccount", "true", False),
    ("StringLike", "aws:PrincipalArn", "arn:aws:iam::*:role/Security*", True),
    ("ArnLike", "aws:PrincipalArn", "arn:aws:iam::*:role/*", True),
    ("ArnEquals", "aws:PrincipalArn", "arn:aws:iam::*:user/*", False),
    ("ArnNotEquals", "aws:PrincipalArn", "arn:aws:iam::*:user/*", True),
    ("ForAnyValue:StringEquals", "aws:CalledVia", "secretsmanager.amazonaws.com", True),
    ("ForAllValues:StringEquals", "aws:TagKeys", ["a", "b", "c"], True),
    ("ForAllValues:StringEquals", "aws:TagKeys", ["a"], False),
    ("ForAllValues:StringEquals", "aws:SourceVpc", ["a"], True),  # an empty set satisfies ForAllValues
    ("ForAnyValue:StringEquals", "aws:SourceVpc", ["a"], False),
    ("NumericLessThan", "aws:PrincipalAccount", "300000000000", True),
    ("StringLike", "aws:PrincipalArn", "${aws:PrincipalArn}", True),  # a policy variable
    ("Bool", "aws:SecureTransport", "true", False),
    ("NoSuchOperator", "aws:PrincipalAccount", MEMBER, False),
])
def test_condition_operators(operator, key, value, holds):
    assert iam_eval.condition_holds(operator, key, value, CTX) is holds


def test_statement_elements_and_decisions():
    user = f"arn:aws:iam::{MEMBER}:user/ci/deployer"
    policies = {"identity": [("p", {"Statement": [
        {"Effect": "Allow", "NotAction": "iam:Delete*", "Resource": f"arn:aws:iam::{MEMBER}:user/*"},
        {"Effect": "Allow", "Action": "s3:*", "NotResource": "arn:aws:s3:::secret-*"},
        {"Effect": "Allow", "Action": "sqs:*", "Resource": "arn:aws:sqs:us-east-?:*:q"}]})]}
    assert iam_eval.decide(policies, "iam:GetUser", user, {})["decision"] == "Allow"
    assert iam_eval.decide(policies, "iam:DeleteLoginProfile", user, {})["decision"] == "Deny"
    assert iam_eval.decide(policies, "s3:GetBucketAcl", "arn:aws:s3:::public", {})["decision"] == "Allow"
    assert iam_eval.decide(policies, "s3:GetBucketAcl", "arn:aws:s3:::secret-x", {})["decision"] == "Deny"
    assert iam_eval.decide(policies, "sqs:GetQueueUrl", f"arn:aws:sqs:us-east-1:{MEMBER}:q", {})["decision"] == "Allow"
    # A wildcard does not cross the colons between ARN segments.
    assert iam_eval.decide(policies, "sqs:GetQueueUrl", f"arn:aws:sqs:us-east-1:{MEMBER}:x:q", {})["decision"] == \
        "Deny"
    literal = {"identity": [("p", {"Statement": [
        {"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::a${*}"}]})]}  # ${*} is a literal *
    assert iam_eval.decide(literal, "s3:GetBucketAcl", "arn:aws:s3:::a*", {})["decision"] == "Allow"
    assert iam_eval.decide(literal, "s3:GetBucketAcl", "arn:aws:s3:::ab", {})["decision"] == "Deny"
    session = {"Statement": [{"Effect": "Allow", "Action": "iam:List*", "Resource": "*"}]}
    verdict = iam_eval.decide(dict(policies, session=[("session", session)]), "iam:GetUser", user, {})
    assert verdict == {"decision": "Deny", "reason": "no session policy allows the iam:GetUser action",
                       "statement": None}


def test_every_action_the_spoke_template_grants_exists_in_the_service_authorization_reference():
    text = TEMPLATE.read_text()
    actions = set(re.findall(r'^\s+- "([a-z0-9-]+:[A-Za-z0-9]+)"$', text, re.MULTILINE))
    assert len(actions) > 50
    assert sorted(a for a in actions if iam_eval.action_reference(a) is None) == []
