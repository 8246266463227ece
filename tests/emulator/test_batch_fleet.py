"""The batch set over a fleet: --accounts K adds members fleet-02 … fleet-K with the spoke role, --regions spreads
users, linked secrets, buckets and findings round-robin over the (account, region) pairs; K = 1 without --regions
keeps the one-account, one-region placement the call-count, fault and load tests rely on."""

import json
import subprocess
from collections import Counter
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from helpers import error_of
from riposte_emulator import scenario as scenario_cli

ROOT = Path(__file__).resolve().parents[2]
REGIONS = ["us-east-1", "us-west-2"]
LINK_TAG = "riposte:linked-iam-user"


def build(emulator, *args: str) -> dict:
    done = subprocess.run([str(ROOT / "scripts" / "emulator-scenario"), emulator.url, "--set", "batch", *args],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def fleet(running_emulator):
    m = build(running_emulator, "--count", "8", "--accounts", "3", "--regions", ",".join(REGIONS))
    return running_emulator, m


def member_ids(m: dict) -> dict[str, str]:
    return {x["name"]: x["account_id"] for x in m["members"]}


def pairs(m: dict) -> list[tuple[str, str]]:
    return [(a, r) for a in m["incidents"]["accounts"] for r in m["incidents"]["regions"]]


def test_items_go_round_robin_over_every_account_region_pair(fleet):
    _, m = fleet
    members, inc = member_ids(m), m["incidents"]
    assert inc["accounts"] == [members[n] for n in ("workload-a", "fleet-02", "fleet-03")]
    assert inc["regions"] == REGIONS and len(set(pairs(m))) == 6
    users, buckets = inc["users"]["items"], inc["buckets"]
    assert [(u["account_id"], u["region"]) for u in users] == [pairs(m)[i % 6] for i in range(8)]
    assert [b["bucket"] for b in buckets["placed"]] == buckets["items"]
    assert [(b["account_id"], b["region"]) for b in buckets["placed"]] == [pairs(m)[i % 6] for i in range(8)]
    assert buckets["items"] == [f"riposte-batch-{i:04d}-{b['account_id']}" for i, b in enumerate(buckets["placed"])]
    assert inc["users"]["account_id"] == buckets["account_id"] == members["workload-a"]
    placed = [(x["account_id"], x["region"]) for x in users + buckets["placed"]]
    assert [(f["account_id"], f["region"]) for f in m["findings"]] == placed
    assert Counter(f["kind"] for f in m["findings"]) == {"credential-compromise": 8, "public-bucket": 8}


def test_each_bucket_is_public_in_its_account_and_region(fleet):
    emulator, m = fleet
    for b in m["incidents"]["buckets"]["placed"]:
        s3 = emulator.client("s3", account=b["account_id"], region=b["region"])
        location = s3.get_bucket_location(Bucket=b["bucket"], ExpectedBucketOwner=b["account_id"])
        assert (location["LocationConstraint"] or "us-east-1") == b["region"], b
        grants = s3.get_bucket_acl(Bucket=b["bucket"], ExpectedBucketOwner=b["account_id"])["Grants"]
        assert any(g["Grantee"].get("URI", "").endswith("/AllUsers") for g in grants), b
        policy = json.loads(s3.get_bucket_policy(Bucket=b["bucket"])["Policy"])
        assert [(s["Sid"], s["Principal"]) for s in policy["Statement"]] == [("PublicRead", "*")]
        with pytest.raises(ClientError) as unset:
            s3.get_public_access_block(Bucket=b["bucket"])
        assert error_of(unset)[0] == "NoSuchPublicAccessBlockConfiguration"


def test_each_user_is_in_its_account_with_one_active_key(fleet):
    emulator, m = fleet
    users = m["incidents"]["users"]["items"]
    for account in m["incidents"]["accounts"]:
        iam = emulator.client("iam", account=account)
        names = {u["UserName"] for u in iam.list_users()["Users"]}
        mine = {u["user_name"] for u in users if u["account_id"] == account}
        bystander = m["bystanders"]["user"]
        assert names == mine | ({bystander["user_name"]} if account == bystander["account_id"] else set()), account
    for user in users:
        iam = emulator.client("iam", account=user["account_id"])
        keys = iam.list_access_keys(UserName=user["user_name"])["AccessKeyMetadata"]
        assert [(k["AccessKeyId"], k["Status"]) for k in keys] == [(user["access_key_id"], "Active")]
        assert iam.get_user(UserName=user["user_name"])["User"]["UserId"] == user["user_id"]


def test_findings_in_the_hub_carry_their_pair_account_and_region(fleet):
    emulator, m = fleet
    hub = emulator.client("securityhub", account=m["hub_account"], region=m["region"])
    stored = {f["Id"]: f for page in hub.get_paginator("get_findings").paginate() for f in page["Findings"]}
    assert set(stored) == {f["id"] for f in m["findings"]}
    owners = {}
    for b in m["incidents"]["buckets"]["placed"]:
        s3 = emulator.client("s3", account=b["account_id"], region=b["region"])
        owners[b["account_id"]] = s3.get_bucket_acl(Bucket=b["bucket"])["Owner"]["ID"]
    # Real S3 gives every account its own canonical id; moto 5.2.5 answers one constant id for all, so this only
    # checks that each finding carries what its own account's GetBucketAcl says.
    assert set(owners) == set(m["incidents"]["accounts"])
    assert m["incidents"]["buckets"]["owner_id"] == owners[m["incidents"]["buckets"]["account_id"]]
    for entry in m["findings"]:
        f, account, region = stored[entry["id"]], entry["account_id"], entry["region"]
        assert (f["AwsAccountId"], f["Region"], f["ProductArn"]) == (account, region, entry["product_arn"])
        assert f["ProductArn"].startswith(f"arn:aws:securityhub:{region}::product/aws/")
        assert f"{region}:{account}:" in f["Id"] and f["Resources"][0]["Region"] == region
        if entry["kind"] == "public-bucket":
            details = f["Resources"][0]["Details"]["AwsS3Bucket"]
            assert (details["OwnerId"], details["OwnerAccountId"]) == (owners[account], account)
        else:
            assert f["ProductName"] == "GuardDuty"
            assert f["GeneratorId"].startswith(f"arn:aws:guardduty:{region}:{account}:detector/")
    assert {e["account"] for e in emulator.get("/_riposte/events")["events"]} == {m["hub_account"]}


def test_linked_secrets_sit_in_their_users_region(fleet):
    emulator, m = fleet
    linked = [u for u in m["incidents"]["users"]["items"] if "linked_secret" in u]
    assert [u["user_name"] for u in linked] == ["batch-user-0000", "batch-user-0001"]
    assert [u["region"] for u in linked] == REGIONS
    for user in linked:
        for region in REGIONS:
            sm = emulator.client("secretsmanager", account=user["account_id"], region=region)
            found = sm.list_secrets(Filters=[{"Key": "tag-key", "Values": [LINK_TAG]},
                                             {"Key": "tag-value", "Values": [user["user_name"]]}])["SecretList"]
            expected = [user["linked_secret"]] if region == user["region"] else []
            assert [s["ARN"] for s in found] == expected, (user, region)
        assert f":secretsmanager:{user['region']}:{user['account_id']}:" in user["linked_secret"]


def test_fleet_members_get_the_spoke_role_and_the_hub_can_use_it(fleet):
    emulator, m = fleet
    members = member_ids(m)
    assert [(x["name"], x["spoke_role"]) for x in m["members"]] == [
        ("workload-a", True), ("workload-b", True), ("workload-c", True), ("sandbox", False),
        ("fleet-02", True), ("fleet-03", True)]
    sts = emulator.client("sts", creds=m["hub_credentials"])
    for name in ("fleet-02", "fleet-03"):
        role = f"arn:aws:iam::{members[name]}:role/{m['spoke_role_name']}"
        answer = sts.assume_role(RoleArn=role, RoleSessionName="riposte-test", SourceIdentity="riposte")
        c = answer["Credentials"]
        spoke = {"access_key_id": c["AccessKeyId"], "secret_access_key": c["SecretAccessKey"],
                 "session_token": c["SessionToken"]}
        iam = emulator.client("iam", creds=spoke)
        users = iam.list_users()["Users"]
        assert {u["Arn"].split(":")[4] for u in users} == {members[name]}
        assert {u["UserName"] for u in users} == {u["user_name"] for u in m["incidents"]["users"]["items"]
                                                  if u["account_id"] == members[name]}
    with pytest.raises(ClientError) as missing:
        emulator.client("iam", account=members["sandbox"]).get_role(RoleName=m["spoke_role_name"])
    assert error_of(missing)[0] == "NoSuchEntity"
    with pytest.raises(ClientError) as refused:
        sts.assume_role(RoleArn=f"arn:aws:iam::{members['sandbox']}:role/{m['spoke_role_name']}",
                        RoleSessionName="riposte-test")
    assert error_of(refused)[:2] == ("AccessDenied", 403)


@pytest.mark.parametrize("args", [["--set", "core", "--accounts", "2"], ["--set", "coverage", "--regions", "us-east-1"],
                                  ["--set", "batch", "--accounts", "0"], ["--set", "batch", "--regions", "us-east-1,,"],
                                  ["--set", "batch", "--regions", "us-east-1,us-east-1"],
                                  ["--set", "batch", "--regions", "US_EAST_1"]])
def test_the_fleet_options_are_checked_before_anything_is_built(args, capsys):
    with pytest.raises(SystemExit) as exit_:
        scenario_cli.main(["--endpoint", "http://127.0.0.1:9", *args])
    assert exit_.value.code == 2 and "error:" in capsys.readouterr().err


# Last in this module: it rebuilds the emulator's world, which the tests above read through `fleet`.
def test_one_account_and_no_regions_keep_the_old_placement(running_emulator):
    m = build(running_emulator, "--count", "3")
    a, region, inc = member_ids(m)["workload-a"], m["region"], m["incidents"]
    assert [x["name"] for x in m["members"]] == ["workload-a", "workload-b", "workload-c", "sandbox"]
    assert set(inc) == {"users", "buckets", "accounts", "regions"}
    assert (inc["accounts"], inc["regions"]) == ([a], [region])
    assert set(inc["users"]) == {"account_id", "items"} and inc["users"]["account_id"] == a
    assert [set(u) - {"linked_secret"} for u in inc["users"]["items"]] == [
        {"user_name", "user_id", "access_key_id", "account_id", "region"}] * 3
    assert [u["user_name"] for u in inc["users"]["items"]] == [f"batch-user-{i:04d}" for i in range(3)]
    assert [("linked_secret" in u, u["account_id"], u["region"]) for u in inc["users"]["items"]] == [
        (True, a, region), (True, a, region), (False, a, region)]
    buckets = inc["buckets"]
    assert set(buckets) == {"account_id", "owner_id", "items", "placed"} and buckets["account_id"] == a
    assert buckets["items"] == [f"riposte-batch-{i:04d}-{a}" for i in range(3)]
    assert buckets["placed"] == [{"bucket": b, "account_id": a, "region": region} for b in buckets["items"]]
    assert m["bystanders"] == {"user": {**m["bystanders"]["user"], "account_id": a, "user_name": "batch-bystander"},
                               "bucket": {"account_id": a, "bucket": f"riposte-batch-bystander-{a}"}}
    assert [f["key"] for f in m["findings"]] == ([f"user:batch-user-{i:04d}" for i in range(3)]
                                                 + [f"bucket:{b}" for b in buckets["items"]])
    assert {(f["account_id"], f["region"]) for f in m["findings"]} == {(a, region)}
