"""The batch scenario: the core organization, hub and spokes, then COUNT compromised users (one active access key
each) and COUNT public buckets (public-read ACL and a public policy, Block Public Access unset), with one GuardDuty
finding per user and one S3.8 finding per bucket. Two of the users have a linked secret with rotation configured.
A bystander user and a bystander public bucket in workload-a (scenario region) have no finding and must stay as
they are.

python -m riposte_emulator.scenario --endpoint URL --set batch [--count 100] [--accounts K] [--regions R1,R2]

Placement: by default (K = 1, the scenario's --region only) everything is in workload-a, one region. With
--accounts K the items go to workload-a plus K-1 more members, fleet-02 … fleet-K, created in the organization and
given the spoke role by the same StackSet as workload-a/b/c; with --regions R1,R2 they spread over those regions.
Item i (user i and bucket i) goes to the (account, region) pair i % (K × R), pairs ordered account by account
(workload-a first), then region by region. A user is global in IAM but its finding, and its linked secret, are in
its pair's region; a bucket is created in its pair's region and its finding carries that region. Every finding
says its pair's account and region (Id, ProductArn, AwsAccountId, Region, resource Region), and all are imported
into the hub's Security Hub in the scenario region, the way a cross-region aggregator shows them.

Manifest: incidents.users {account_id (workload-a), items [{user_name, user_id, access_key_id, account_id,
region, linked_secret?}]}, incidents.buckets {account_id and owner_id (workload-a's), items [bucket names],
placed [{bucket, account_id, region}] parallel to items}, incidents.accounts [the K account ids],
incidents.regions [the regions].

It serves the call-count test (issue 13: calls per finding and per batch), the load test and the benchmark.
"""

import argparse
import json
import re
from collections.abc import Sequence
from typing import Any

from . import asff

USER_PREFIX = "batch-user-"
LINK_TAG = "riposte:linked-iam-user"
LINKED_USERS = 2
BYSTANDER_USER = "batch-bystander"
FLEET_PREFIX = "fleet-"
REGION_NAME = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d+$")


def account_count(text: str) -> int:
    """--accounts K: a whole number, at least 1."""
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a number of accounts, at least 1, got {text!r}")
    return int(text)


def region_list(text: str) -> list[str]:
    """--regions R1,R2: distinct region names, order kept."""
    regions = [r.strip() for r in text.split(",")]
    if not all(REGION_NAME.match(r) for r in regions) or len(set(regions)) != len(regions):
        raise argparse.ArgumentTypeError(f"expected distinct region names like us-east-1,us-west-2, got {text!r}")
    return regions


def fleet_names(accounts: int) -> list[str]:
    """The members --accounts K adds beyond workload-a: fleet-02 … fleet-K (none for K = 1)."""
    return [f"{FLEET_PREFIX}{n:02d}" for n in range(2, accounts + 1)]


def placements(account_ids: Sequence[str], regions: Sequence[str], count: int) -> list[tuple[str, str]]:
    """Item i's (account, region): pair i % (K × R), pairs ordered account by account, then region by region."""
    pairs = [(a, r) for a in account_ids for r in regions]
    return [pairs[i % len(pairs)] for i in range(count)]


def bucket_name(i: int, account: str) -> str:
    return f"riposte-batch-{i:04d}-{account}"


class Clients:
    """Set-up clients built once per (service, account, region); World caches the admin credentials per account."""

    def __init__(self, world: Any) -> None:
        self.world, self.cache = world, {}

    def __call__(self, service: str, account: str, region: str | None = None) -> Any:
        key = (service, account, region or self.world.region)
        if key not in self.cache:
            self.cache[key] = self.world.admin(service, account, key[2])
        return self.cache[key]


def public_bucket(s3: Any, name: str, region: str = "us-east-1") -> None:
    s3.create_bucket(Bucket=name, **({} if region == "us-east-1" else {
        "CreateBucketConfiguration": {"LocationConstraint": region}}))
    s3.put_bucket_ownership_controls(Bucket=name, OwnershipControls={"Rules": [{"ObjectOwnership": "ObjectWriter"}]})
    s3.put_bucket_acl(Bucket=name, ACL="public-read")
    s3.put_bucket_policy(Bucket=name, Policy=json.dumps({"Version": "2012-10-17", "Statement": [{
        "Sid": "PublicRead", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{name}/*"}]}))


def compromised_user(iam: Any, i: int, account: str, region: str) -> dict[str, str]:
    name = f"{USER_PREFIX}{i:04d}"
    user = iam.create_user(UserName=name)["User"]
    key = iam.create_access_key(UserName=name)["AccessKey"]["AccessKeyId"]
    return {"user_name": name, "user_id": user["UserId"], "access_key_id": key, "account_id": account,
            "region": region}


def link_secret(sm: Any, user: dict[str, str]) -> None:
    """A secret tagged with the user's name, rotation configured, in the user's account and region."""
    name, account, region = user["user_name"], user["account_id"], user["region"]
    secret = sm.create_secret(Name=f"{name}/token", SecretString="batch-token-0001",
                              Tags=[{"Key": LINK_TAG, "Value": name}])
    rotator = f"arn:aws:lambda:{region}:{account}:function:batch-token-rotator"
    sm.rotate_secret(SecretId=secret["ARN"], RotationLambdaARN=rotator,
                     RotationRules={"AutomaticallyAfterDays": 30}, RotateImmediately=False)
    user["linked_secret"] = secret["ARN"]


def owner_ids(client: Clients, placed: list[dict[str, str]]) -> dict[str, str]:
    """Each account's canonical owner id (Details.AwsS3Bucket.OwnerId), read from its first bucket."""
    owners: dict[str, str] = {}
    for b in placed:
        if b["account_id"] not in owners:
            s3 = client("s3", b["account_id"], b["region"])
            owners[b["account_id"]] = s3.get_bucket_acl(Bucket=b["bucket"])["Owner"]["ID"]
    return owners


def setup(world: Any, accounts: dict[str, str], count: int, fleet: Sequence[str] = (),
          regions: Sequence[str] | None = None) -> tuple[dict, dict, dict[str, str]]:
    """(incidents, bystanders, canonical owner id by account). `fleet`: member names beyond workload-a."""
    a, home = accounts["workload-a"], world.region
    ids, regions = [a] + [accounts[n] for n in fleet], list(regions or [home])
    placed = placements(ids, regions, count)
    client = Clients(world)
    users = [compromised_user(client("iam", acct), i, acct, region) for i, (acct, region) in enumerate(placed)]
    for user in users[:LINKED_USERS]:
        link_secret(client("secretsmanager", user["account_id"], user["region"]), user)
    iam = client("iam", a)
    bystander = iam.create_user(UserName=BYSTANDER_USER)["User"]["UserName"]
    bystander_key = iam.create_access_key(UserName=bystander)["AccessKey"]["AccessKeyId"]
    buckets = [{"bucket": bucket_name(i, acct), "account_id": acct, "region": region}
               for i, (acct, region) in enumerate(placed)]
    for b in buckets:
        public_bucket(client("s3", b["account_id"], b["region"]), b["bucket"], b["region"])
    bystander_bucket = f"riposte-batch-bystander-{a}"
    public_bucket(client("s3", a), bystander_bucket, home)
    owners = owner_ids(client, buckets or [{"bucket": bystander_bucket, "account_id": a, "region": home}])
    incidents = {"users": {"account_id": a, "items": users},
                 "buckets": {"account_id": a, "owner_id": owners[a], "items": [b["bucket"] for b in buckets],
                             "placed": buckets},
                 "accounts": ids, "regions": regions}
    bystanders = {"user": {"account_id": a, "user_name": bystander, "access_key_id": bystander_key},
                  "bucket": {"account_id": a, "bucket": bystander_bucket}}
    return incidents, bystanders, owners


def planned_findings(incidents: dict, owners: dict[str, str], now: str) -> list:
    """Users first, then buckets (batches of 100 hold one playbook); each finding in its item's account and region."""
    planned = []
    for user in incidents["users"]["items"]:
        name = user["user_name"]
        planned.append((f"user:{name}", "credential-compromise", name, asff.guardduty_finding(
            user["region"], user["account_id"], "UnauthorizedAccess:IAMUser/MaliciousIPCaller",
            "API ListBuckets was invoked from a known malicious IP address.",
            f"API ListBuckets was invoked from known malicious IP address {asff.ATTACKER_IP} by IAM principal {name}.",
            user["access_key_id"],
            {"PrincipalName": name, "PrincipalType": "IAMUser", "PrincipalId": user["user_id"], "UserName": name},
            "ListBuckets", now)))
    for b in incidents["buckets"]["placed"]:
        planned.append((f"bucket:{b['bucket']}", "public-bucket", b["bucket"], asff.control_finding(
            b["region"], b["account_id"], "S3.8", b["bucket"], owners[b["account_id"]], now)))
    return planned
