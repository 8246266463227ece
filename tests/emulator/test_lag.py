"""The lag switch (riposte_emulator/lag.py): with it on, configuration reads answer the state before a write for
`ms` after it, then the real state; with it off (the default) nothing changes."""

import json
import time

import pytest
import requests
from botocore.exceptions import ClientError

from helpers import DEFAULT_ACCOUNT, error_of

LAG_MS = 500


@pytest.fixture(scope="module")
def emulator(running_emulator):
    """One reset for the module (a reset costs ~1 s): the tests use names of their own."""
    running_emulator.reset()
    return running_emulator


@pytest.fixture
def lag(emulator):
    def switch(ms: int = LAG_MS, **extra) -> dict:
        answer = requests.post(emulator.url + "/_riposte/lag", json={"ms": ms, **extra}, timeout=10)
        answer.raise_for_status()
        return answer.json()["lag"]

    yield switch
    requests.delete(emulator.url + "/_riposte/lag", timeout=10).raise_for_status()


def settles(read, expected, since: float, ms: int = LAG_MS) -> None:
    """`read()` turns `expected` no sooner than `ms` after `since`, and within a second more."""
    while True:
        value = read()
        elapsed = time.monotonic() - since
        if value == expected:
            assert elapsed >= ms / 1000 - 0.01, f"the new value showed after {elapsed:.3f} s"
            return
        assert elapsed < ms / 1000 + 1.0, f"still {value!r} after {elapsed:.3f} s"
        time.sleep(0.05)


def test_queue_attributes_lag_then_settle(emulator, lag):
    sqs = emulator.client("sqs")
    url = sqs.create_queue(QueueName="lagging")["QueueUrl"]
    twice = sqs.create_queue(QueueName="twice")["QueueUrl"]
    lag()
    read = lambda url, name: sqs.get_queue_attributes(  # noqa: E731
        QueueUrl=url, AttributeNames=[name])["Attributes"][name]
    first = time.monotonic()
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": "120"})
    sqs.set_queue_attributes(QueueUrl=twice, Attributes={"DelaySeconds": "5"})
    assert read(url, "VisibilityTimeout") == "30"
    time.sleep(0.25)
    second = time.monotonic()
    sqs.set_queue_attributes(QueueUrl=twice, Attributes={"DelaySeconds": "9"})
    # A second write: the state before the first shows until the first propagates, then the first's, then its own.
    assert read(twice, "DelaySeconds") == "0"
    settles(lambda: read(url, "VisibilityTimeout"), "120", first)
    assert read(twice, "DelaySeconds") == "5"
    settles(lambda: read(twice, "DelaySeconds"), "9", second)


def test_bucket_configuration_lags_per_write(emulator, lag):
    s3 = emulator.client("s3")
    s3.create_bucket(Bucket="lag-bucket")
    policy = {"Version": "2012-10-17", "Statement": [{"Sid": "PublicRead", "Effect": "Allow", "Principal": "*",
                                                      "Action": "s3:GetObject",
                                                      "Resource": "arn:aws:s3:::lag-bucket/*"}]}
    s3.put_bucket_policy(Bucket="lag-bucket", Policy=json.dumps(policy))
    lag()
    written = time.monotonic()
    s3.put_public_access_block(Bucket="lag-bucket", PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True})
    s3.delete_bucket_policy(Bucket="lag-bucket")
    with pytest.raises(ClientError) as excinfo:  # there was no Block Public Access before the write
        s3.get_public_access_block(Bucket="lag-bucket")
    assert error_of(excinfo)[0] == "NoSuchPublicAccessBlockConfiguration"
    assert json.loads(s3.get_bucket_policy(Bucket="lag-bucket")["Policy"]) == policy
    assert s3.get_bucket_policy_status(Bucket="lag-bucket")["PolicyStatus"]["IsPublic"] is True

    def block():
        try:
            return s3.get_public_access_block(Bucket="lag-bucket")["PublicAccessBlockConfiguration"]["BlockPublicAcls"]
        except ClientError:
            return None

    def policy_code():
        try:
            s3.get_bucket_policy(Bucket="lag-bucket")
            return "present"
        except ClientError as e:
            return e.response["Error"]["Code"]

    settles(block, True, written)
    settles(policy_code, "NoSuchBucketPolicy", written)


def test_iam_changes_lag(emulator, lag):
    iam = emulator.client("iam")
    iam.create_user(UserName="lagger")
    key = iam.create_access_key(UserName="lagger")["AccessKey"]["AccessKeyId"]
    iam.create_role(RoleName="lag-role", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
                                                "Action": "sts:AssumeRole"}]}))
    try:
        iam.delete_account_password_policy()
    except ClientError:
        pass
    deny = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}]})
    lag()
    written = time.monotonic()
    iam.update_access_key(UserName="lagger", AccessKeyId=key, Status="Inactive")
    iam.attach_user_policy(UserName="lagger", PolicyArn="arn:aws:iam::aws:policy/AWSDenyAll")
    iam.put_role_policy(RoleName="lag-role", PolicyName="deny-all", PolicyDocument=deny)
    iam.update_account_password_policy(MinimumPasswordLength=14)

    status = lambda: iam.list_access_keys(UserName="lagger")["AccessKeyMetadata"][0]["Status"]  # noqa: E731
    attached = lambda: [p["PolicyName"] for p in  # noqa: E731
                        iam.list_attached_user_policies(UserName="lagger")["AttachedPolicies"]]

    def role_policy():
        try:
            return iam.get_role_policy(RoleName="lag-role", PolicyName="deny-all")["PolicyName"]
        except ClientError as e:
            return e.response["Error"]["Code"]

    def password_length():
        try:
            return iam.get_account_password_policy()["PasswordPolicy"]["MinimumPasswordLength"]
        except ClientError as e:
            return e.response["Error"]["Code"]

    assert (status(), attached(), role_policy(), password_length()) == ("Active", [], "NoSuchEntity",
                                                                        "NoSuchEntity")
    settles(status, "Inactive", written)
    assert (attached(), role_policy(), password_length()) == (["AWSDenyAll"], "deny-all", 14)


def test_security_group_rules_and_instance_attributes_lag(emulator, lag):
    ec2 = emulator.client("ec2")
    group = ec2.create_security_group(GroupName="lag-sg", Description="lag")["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    instance = ec2.run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1,
                                 MetadataOptions={"HttpTokens": "optional"})["Instances"][0]["InstanceId"]
    lag()
    written = time.monotonic()
    ec2.revoke_security_group_ingress(GroupId=group, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    ec2.modify_instance_metadata_options(InstanceId=instance, HttpTokens="required", HttpEndpoint="enabled")
    ec2.modify_instance_attribute(InstanceId=instance, DisableApiTermination={"Value": True})

    ingress = lambda: len(ec2.describe_security_groups(GroupIds=[group])["SecurityGroups"][0][  # noqa: E731
        "IpPermissions"])
    rules = lambda: len([r for r in ec2.describe_security_group_rules(  # noqa: E731
        Filters=[{"Name": "group-id", "Values": [group]}])["SecurityGroupRules"] if not r["IsEgress"]])
    tokens = lambda: ec2.describe_instances(InstanceIds=[instance])["Reservations"][0]["Instances"][0][  # noqa: E731
        "MetadataOptions"]["HttpTokens"]
    termination = lambda: ec2.describe_instance_attribute(  # noqa: E731
        InstanceId=instance, Attribute="disableApiTermination")["DisableApiTermination"]["Value"]

    assert (ingress(), rules(), tokens(), termination()) == (1, 1, "optional", False)
    with pytest.raises(ClientError):  # writes act on the real state: the rule is gone already
        ec2.revoke_security_group_ingress(GroupId=group, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    settles(ingress, 0, written)
    assert (rules(), tokens(), termination()) == (0, "required", True)


def test_off_by_default_per_service_faults_settings_and_environment(emulator, lag, monkeypatch):
    assert emulator.get("/_riposte/lag")["lag"]["ms"] == 0
    sqs, iam = emulator.client("sqs"), emulator.client("iam")
    url = sqs.create_queue(QueueName="prompt")["QueueUrl"]
    visibility = lambda: sqs.get_queue_attributes(  # noqa: E731
        QueueUrl=url, AttributeNames=["All"])["Attributes"]["VisibilityTimeout"]
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": "45"})
    assert visibility() == "45"  # off: read-after-write, as moto does
    assert lag(services=["sqs"]) == {"ms": LAG_MS, "services": ["sqs"],
                                     "exempt_roles": ["OrganizationAccountAccessRole"], "lagging": 0}
    iam.update_account_password_policy(MinimumPasswordLength=20)
    assert iam.get_account_password_policy()["PasswordPolicy"]["MinimumPasswordLength"] == 20  # not lagged
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": "50"})
    assert visibility() == "45"
    assert emulator.get("/_riposte/lag")["lag"]["lagging"] >= 1
    assert emulator.delete("/_riposte/lag")["lag"]["ms"] == 0
    assert visibility() == "50"  # turning it off drops the history

    lag(services=["iam"])  # a faulted write never reaches moto: nothing to lag
    requests.post(emulator.url + "/_riposte/faults", json={"operation": "UpdateAccountPasswordPolicy",
                                                           "code": "Throttling", "count": -1},
                  timeout=10).raise_for_status()
    with pytest.raises(ClientError):
        iam.update_account_password_policy(MinimumPasswordLength=30)
    emulator.delete("/_riposte/faults")
    assert emulator.get("/_riposte/lag")["lag"]["lagging"] == 0
    for body in ({"ms": -1}, {"ms": "5"}, {"ms": 10, "services": ["rds"]}, {"ms": 10, "extra": 1}, [1],
                 {"ms": 10, "exempt_roles": "x"}):
        answer = requests.post(emulator.url + "/_riposte/lag", json=body, timeout=10)
        assert answer.status_code == 400, body

    from riposte_emulator.lag import LAG  # the server runs in this process; reset() re-reads the environment

    monkeypatch.setenv("RIPOSTE_EMULATOR_LAG_MS", "250")
    monkeypatch.setenv("RIPOSTE_EMULATOR_LAG_SERVICES", "iam,ec2")
    LAG.reset()
    assert emulator.get("/_riposte/lag")["lag"] == {"ms": 250, "services": ["ec2", "iam"],
                                                    "exempt_roles": ["OrganizationAccountAccessRole"], "lagging": 0}
    monkeypatch.delenv("RIPOSTE_EMULATOR_LAG_MS")
    monkeypatch.delenv("RIPOSTE_EMULATOR_LAG_SERVICES")
    LAG.reset()
    assert emulator.get("/_riposte/lag")["lag"]["ms"] == 0


def test_set_up_and_inspection_see_the_real_state(emulator, lag):
    """x-moto-account-id callers and OrganizationAccountAccessRole sessions are set-up code, not the hub."""
    iam = emulator.client("iam")
    iam.create_user(UserName="inspected")
    key = iam.create_access_key(UserName="inspected")["AccessKey"]["AccessKeyId"]
    iam.create_role(RoleName="OrganizationAccountAccessRole", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"},
                                                "Action": "sts:AssumeRole"}]}))
    answer = emulator.client("sts").assume_role(
        RoleArn=f"arn:aws:iam::{DEFAULT_ACCOUNT}:role/OrganizationAccountAccessRole", RoleSessionName="inspect")
    c = answer["Credentials"]
    inspector = emulator.client("iam", creds={"access_key_id": c["AccessKeyId"],
                                              "secret_access_key": c["SecretAccessKey"],
                                              "session_token": c["SessionToken"]})
    set_up = emulator.client("iam", account=DEFAULT_ACCOUNT)
    lag()
    status = lambda client: client.list_access_keys(  # noqa: E731
        UserName="inspected")["AccessKeyMetadata"][0]["Status"]
    iam.update_access_key(UserName="inspected", AccessKeyId=key, Status="Inactive")
    assert (status(iam), status(inspector), status(set_up)) == ("Active", "Inactive", "Inactive")
    time.sleep(LAG_MS / 1000)
    set_up.update_access_key(UserName="inspected", AccessKeyId=key, Status="Active")  # set-up: no lag
    assert status(iam) == "Active"
