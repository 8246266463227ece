"""The batch scenario: the core organization, hub and spokes, then COUNT compromised users (one active access key
each) and COUNT public buckets (public-read ACL and a public policy, Block Public Access unset), all in
workload-a, with one GuardDuty finding per user and one S3.8 finding per bucket. Two of the users have a linked
secret with rotation configured. A bystander user and a bystander public bucket, in the same accounts, have no
finding and must stay as they are.

python -m riposte_emulator.scenario --endpoint URL --set batch [--count 100]

It serves the call-count test (issue 13: calls per finding and per batch) and the benchmark.
"""

import json
from typing import Any

from . import asff

USER_PREFIX = "batch-user-"
LINK_TAG = "riposte:linked-iam-user"
LINKED_USERS = 2
BYSTANDER_USER = "batch-bystander"


def bucket_name(i: int, account: str) -> str:
    return f"riposte-batch-{i:04d}-{account}"


def public_bucket(s3: Any, name: str) -> None:
    s3.create_bucket(Bucket=name)
    s3.put_bucket_ownership_controls(Bucket=name, OwnershipControls={"Rules": [{"ObjectOwnership": "ObjectWriter"}]})
    s3.put_bucket_acl(Bucket=name, ACL="public-read")
    s3.put_bucket_policy(Bucket=name, Policy=json.dumps({"Version": "2012-10-17", "Statement": [{
        "Sid": "PublicRead", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{name}/*"}]}))


def setup(world: Any, accounts: dict[str, str], count: int) -> tuple[dict, dict]:
    a, region = accounts["workload-a"], world.region
    iam, sm, s3 = world.admin("iam", a), world.admin("secretsmanager", a), world.admin("s3", a)
    users = []
    for i in range(count):
        name = f"{USER_PREFIX}{i:04d}"
        user = iam.create_user(UserName=name)["User"]
        key = iam.create_access_key(UserName=name)["AccessKey"]["AccessKeyId"]
        users.append({"user_name": name, "user_id": user["UserId"], "access_key_id": key})
    for user in users[:LINKED_USERS]:
        secret = sm.create_secret(Name=f"{user['user_name']}/token", SecretString="batch-token-0001",
                                  Tags=[{"Key": LINK_TAG, "Value": user["user_name"]}])
        rotator = f"arn:aws:lambda:{region}:{a}:function:batch-token-rotator"
        sm.rotate_secret(SecretId=secret["ARN"], RotationLambdaARN=rotator,
                         RotationRules={"AutomaticallyAfterDays": 30}, RotateImmediately=False)
        user["linked_secret"] = secret["ARN"]
    bystander = iam.create_user(UserName=BYSTANDER_USER)["User"]["UserName"]
    bystander_key = iam.create_access_key(UserName=bystander)["AccessKey"]["AccessKeyId"]
    buckets = [bucket_name(i, a) for i in range(count)]
    for name in buckets:
        public_bucket(s3, name)
    bystander_bucket = f"riposte-batch-bystander-{a}"
    public_bucket(s3, bystander_bucket)
    owner = s3.get_bucket_acl(Bucket=buckets[0] if buckets else bystander_bucket)["Owner"]["ID"]
    incidents = {"users": {"account_id": a, "items": users},
                 "buckets": {"account_id": a, "owner_id": owner, "items": buckets}}
    bystanders = {"user": {"account_id": a, "user_name": bystander, "access_key_id": bystander_key},
                  "bucket": {"account_id": a, "bucket": bystander_bucket}}
    return incidents, bystanders


def planned_findings(region: str, incidents: dict, now: str) -> list:
    users, buckets = incidents["users"], incidents["buckets"]
    planned = []
    for user in users["items"]:
        name = user["user_name"]
        planned.append((f"user:{name}", "credential-compromise", name, asff.guardduty_finding(
            region, users["account_id"], "UnauthorizedAccess:IAMUser/MaliciousIPCaller",
            "API ListBuckets was invoked from a known malicious IP address.",
            f"API ListBuckets was invoked from known malicious IP address {asff.ATTACKER_IP} by IAM principal {name}.",
            user["access_key_id"],
            {"PrincipalName": name, "PrincipalType": "IAMUser", "PrincipalId": user["user_id"], "UserName": name},
            "ListBuckets", now)))
    for name in buckets["items"]:
        planned.append((f"bucket:{name}", "public-bucket", name, asff.control_finding(
            region, buckets["account_id"], "S3.8", name, buckets["owner_id"], now)))
    return planned
