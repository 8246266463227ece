"""Call recorder, control endpoints, reset, and S3 ExpectedBucketOwner / cross-account refusals."""

import json

import pytest
import requests
from botocore.exceptions import ClientError

from helpers import DEFAULT_ACCOUNT, FAKE_KEYS, error_of, finding

OWNER = "111111111111"


def test_control_endpoints_list_and_clear_the_logs(emulator):
    hub = emulator.client("securityhub")
    hub.enable_security_hub()
    hub.batch_import_findings(Findings=[finding()])
    assert len(emulator.get("/_riposte/events")["events"]) == 1
    calls = emulator.get("/_riposte/calls")["calls"]
    assert [c["operation"] for c in calls] == ["EnableSecurityHub", "BatchImportFindings"]
    assert emulator.get("/_riposte/calls", operation="BatchImportFindings")["calls"] == calls[1:]
    assert emulator.delete("/_riposte/calls") == {"cleared": 2}
    assert emulator.get("/_riposte/calls") == {"calls": []}
    assert len(emulator.get("/_riposte/events")["events"]) == 1  # the event log is separate
    assert emulator.delete("/_riposte/events") == {"cleared": 1}
    assert emulator.get("/_riposte/rotations") == {"rotations": []}
    assert requests.get(emulator.url + "/_riposte/unknown", timeout=5).status_code == 404


def test_reset_clears_both_logs(emulator):
    hub = emulator.client("securityhub")
    hub.enable_security_hub()
    hub.batch_import_findings(Findings=[finding()])
    emulator.reset()
    assert emulator.get("/_riposte/events") == {"events": []}
    assert emulator.get("/_riposte/calls") == {"calls": []}


def test_every_call_is_recorded_with_service_operation_account_and_key(emulator):
    emulator.client("iam").create_user(UserName="alice")
    emulator.client("sts").get_caller_identity()
    emulator.client("sqs").create_queue(QueueName="q")
    emulator.client("securityhub").enable_security_hub()
    calls = emulator.get("/_riposte/calls")["calls"]
    assert [(c["service"], c["operation"]) for c in calls] == [
        ("iam", "CreateUser"), ("sts", "GetCallerIdentity"), ("sqs", "CreateQueue"),
        ("securityhub", "EnableSecurityHub")]
    for call in calls:
        assert call["account_id"] == DEFAULT_ACCOUNT
        assert call["access_key_id"] == FAKE_KEYS["access_key_id"]
        assert call["region"] == "us-east-1" and call["status"] == 200
        assert {"method", "path", "time"} <= set(call)


def test_s3_operations_are_named_like_the_api_and_carry_the_expected_owner(emulator):
    s3 = emulator.client("s3", account=OWNER)
    s3.create_bucket(Bucket="bucket-one")
    emulator.delete("/_riposte/calls")
    mine = {"Bucket": "bucket-one", "ExpectedBucketOwner": OWNER}
    s3.put_public_access_block(PublicAccessBlockConfiguration={"BlockPublicAcls": True}, **mine)
    s3.get_public_access_block(**mine)
    s3.put_bucket_acl(ACL="private", **mine)
    s3.get_bucket_acl(**mine)
    s3.put_bucket_policy(Policy=json.dumps({"Version": "2012-10-17", "Statement": [{
        "Sid": "S", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::bucket-one/*"}]}), **mine)
    s3.get_bucket_policy(**mine)
    s3.delete_bucket_policy(**mine)
    s3.put_bucket_tagging(Tagging={"TagSet": [{"Key": "a", "Value": "b"}]}, **mine)
    s3.get_bucket_tagging(**mine)
    s3.put_bucket_ownership_controls(OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
                                     **mine)
    s3.get_bucket_ownership_controls(**mine)
    calls = emulator.get("/_riposte/calls", service="s3")["calls"]
    assert [c["operation"] for c in calls] == [
        "PutPublicAccessBlock", "GetPublicAccessBlock", "PutBucketAcl", "GetBucketAcl", "PutBucketPolicy",
        "GetBucketPolicy", "DeleteBucketPolicy", "PutBucketTagging", "GetBucketTagging",
        "PutBucketOwnershipControls", "GetBucketOwnershipControls"]
    assert {c["expected_bucket_owner"] for c in calls} == {OWNER}
    assert {c["account_id"] for c in calls} == {OWNER}


def test_s3_control_calls_are_recorded_as_s3control_though_they_sign_as_s3(emulator):
    control = emulator.client("s3control", account=OWNER)
    # Its endpoint puts the account id in front of the host; take it off again before signing.
    control.meta.events.register("before-sign.s3-control.*", lambda request, **_: setattr(
        request, "url", request.url.replace(f"//{OWNER}.", "//", 1)))
    control.put_public_access_block(AccountId=OWNER, PublicAccessBlockConfiguration={"BlockPublicAcls": True})
    control.get_public_access_block(AccountId=OWNER)
    calls = emulator.get("/_riposte/calls", service="s3control")["calls"]
    assert [c["operation"] for c in calls] == ["PutPublicAccessBlock", "GetPublicAccessBlock"]
    assert {c["account_id"] for c in calls} == {OWNER}
    assert emulator.get("/_riposte/calls", service="s3")["calls"] == []


def test_a_wrong_expected_bucket_owner_is_refused_like_s3(emulator):
    s3 = emulator.client("s3", account=OWNER)
    s3.create_bucket(Bucket="bucket-one")
    with pytest.raises(ClientError) as refused:
        s3.get_bucket_acl(Bucket="bucket-one", ExpectedBucketOwner="222222222222")
    assert error_of(refused)[:2] == ("AccessDenied", 403)
    assert emulator.get("/_riposte/calls", operation="GetBucketAcl")["calls"][0]["status"] == 403


def test_another_accounts_bucket_is_refused(emulator):
    emulator.client("s3", account=OWNER).create_bucket(Bucket="bucket-one")
    with pytest.raises(ClientError) as refused:
        emulator.client("s3", account="222222222222").get_bucket_policy(Bucket="bucket-one")
    assert error_of(refused)[:2] == ("AccessDenied", 403)


def test_issued_role_sessions_are_listed_with_their_secrets_for_leak_scans(emulator):
    iam = emulator.client("iam")
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                     "Principal": {"AWS": f"arn:aws:iam::{DEFAULT_ACCOUNT}:root"}}]}
    role = iam.create_role(RoleName="scanned", AssumeRolePolicyDocument=json.dumps(trust))["Role"]
    issued = emulator.client("sts").assume_role(RoleArn=role["Arn"], RoleSessionName="scan")["Credentials"]
    listed = emulator.get("/_riposte/sts/issued")["issued"]
    assert {"role_arn": role["Arn"], "session_name": "scan", "access_key_id": issued["AccessKeyId"],
            "secret_access_key": issued["SecretAccessKey"], "session_token": issued["SessionToken"]} in listed
