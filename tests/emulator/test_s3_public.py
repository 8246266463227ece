"""S3's meaning of "public" in the emulator: GetBucketPolicyStatus by the User Guide's rules
(access-control-block-public-access.html#access-control-block-public-access-policy-status) and the effective ACL
GetBucketAcl/GetObjectAcl return under IgnorePublicAcls."""

import json
import re
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from helpers import DEFAULT_ACCOUNT, error_of

ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
AUTHENTICATED_USERS = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"
LOG_DELIVERY = "http://acs.amazonaws.com/groups/s3/LogDelivery"


def allow(principal="*", condition=None, action="s3:PutObject", resource="*", **extra):
    statement = {"Principal": principal, "Resource": resource, "Action": action, "Effect": "Allow", **extra}
    if condition is not None:
        statement["Condition"] = condition
    return statement


def on(operator, key, value):
    return {operator: {key: value}}


# (id, statement, IsPublic). The first six are the User Guide page's own examples; the rest follow its rules.
CASES = [
    # "Example: Public bucket policies" and the fixed-value counterpart.
    ("guide-federated-principal", allow({"Federated": "graph.facebook.com"}), True),
    ("guide-star-without-condition", allow("*"), True),
    ("guide-sourcevpc-wildcard", allow("*", on("StringLike", "aws:SourceVpc", "vpc-*")), True),
    ("guide-sourcevpc-fixed", allow("*", on("StringEquals", "aws:SourceVpc", "vpc-91237329")), False),
    # The page's notes: a very broad aws:SourceIp range is public; an access point name may be a wildcard.
    ("guide-sourceip-0.0.0.0/1", allow("*", on("IpAddress", "aws:SourceIp", "0.0.0.0/1")), True),
    ("guide-access-point-name-wildcard", allow("*", on(
        "ArnLike", "s3:DataAccessPointArn", "arn:aws:s3:us-west-2:123456789012:accesspoint/*")), False),
    # Principals.
    ("aws-star", allow({"AWS": "*"}), True),
    ("aws-star-in-list", allow({"AWS": ["arn:aws:iam::111122223333:root", "*"]}), True),
    ("fixed-account", allow({"AWS": "arn:aws:iam::111122223333:root"}), False),
    ("fixed-service", allow({"Service": "cloudtrail.amazonaws.com"}), False),
    ("notprincipal", {"Effect": "Allow", "NotPrincipal": {"AWS": "arn:aws:iam::111122223333:root"},
                      "Action": "s3:GetObject", "Resource": "*"}, True),
    ("federated-with-unrelated-condition", allow({"Federated": "cognito-identity.amazonaws.com"},
                                                 on("Bool", "aws:SecureTransport", "true")), True),
    ("deny-to-everyone", {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*"}, False),
    # Keys that pin a statement to everyone, with fixed values.
    ("sourceip-/24", allow("*", on("IpAddress", "aws:SourceIp", "192.0.2.0/24")), False),
    ("sourceip-/8", allow("*", on("IpAddress", "aws:SourceIp", "10.0.0.0/8")), False),
    ("sourceip-/7", allow("*", on("IpAddress", "aws:SourceIp", "10.0.0.0/7")), True),
    ("sourceip-one-wide-range-in-list", allow("*", on("IpAddress", "aws:SourceIp",
                                                      ["192.0.2.0/24", "0.0.0.0/0"])), True),
    ("sourceip-ipv6-/32", allow("*", on("IpAddress", "aws:SourceIp", "2001:db8::/32")), False),
    ("sourceip-ipv6-/16", allow("*", on("IpAddress", "aws:SourceIp", "2001::/16")), True),
    ("principalorgid", allow("*", on("StringEquals", "aws:PrincipalOrgID", "o-abc123")), False),
    ("delegate-to-access-points", {
        "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "*",
        "Resource": ["arn:aws:s3:::bucket", "arn:aws:s3:::bucket/*"],
        "Condition": {"StringEquals": {"s3:DataAccessPointAccount": "111122223333"}}}, False),
    ("access-point-arn-fixed", allow("*", on(
        "StringEquals", "s3:DataAccessPointArn", "arn:aws:s3:us-west-2:111122223333:accesspoint/reports")), False),
    ("access-point-arn-wildcard-account", allow("*", on(
        "ArnLike", "s3:DataAccessPointArn", "arn:aws:s3:us-west-2:*:accesspoint/*")), True),
    ("sourcearn-fixed", allow("*", on(
        "ArnEquals", "aws:SourceArn", "arn:aws:cloudtrail:us-east-1:111122223333:trail/main")), False),
    ("sourcearn-wildcard", allow("*", on("ArnLike", "aws:SourceArn", "arn:aws:cloudtrail:*:111122223333:trail/*")),
     True),
    ("principalarn-wildcard", allow("*", on("ArnLike", "aws:PrincipalArn", "arn:aws:iam::*:role/admin")), True),
    ("sourceaccount-number", allow("*", on("StringEquals", "aws:SourceAccount", 111122223333)), False),
    ("principalorgpaths-fixed", allow("*", on("ForAnyValue:StringEquals", "aws:PrincipalOrgPaths",
                                              "o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/")), False),
    ("userid-fixed", allow("*", on("StringEquals", "aws:userid", "AIDACKCEVSQ6C2EXAMPLE")), False),
    ("userid-role-sessions", allow("*", on("StringLike", "aws:userid", "AROAEXAMPLEID:*")), False),
    ("userid-policy-variable", allow("*", on("StringEquals", "aws:userid", "${aws:userid}")), True),
    ("kms-key-fixed", allow("*", on("StringEquals", "s3:x-amz-server-side-encryption-aws-kms-key-id",
                                    "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab")),
     False),
    ("keys-and-operators-any-case", allow("*", on("stringequals", "AWS:SOURCEVPCE", "vpce-1a2b3c4d")), False),
    # Operators that pin nothing, values that are not fixed, keys that do not count.
    ("stringnotequals-sourcevpce", allow("*", on("StringNotEquals", "aws:SourceVpce", "vpce-1a2b3c4d")), True),
    ("stringequalsifexists-sourcevpce", allow("*", on("StringEqualsIfExists", "aws:SourceVpce", "vpce-1a2b3c4d")),
     True),
    ("notipaddress", allow("*", on("NotIpAddress", "aws:SourceIp", "192.0.2.0/24")), True),
    ("null", allow("*", on("Null", "aws:SourceVpc", "false")), True),
    ("forallvalues", allow("*", on("ForAllValues:StringEquals", "aws:PrincipalOrgPaths",
                                   "o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/")), True),
    ("question-mark-wildcard", allow("*", on("StringLike", "aws:SourceAccount", "11112222333?")), True),
    ("unrelated-key", allow("*", on("Bool", "aws:SecureTransport", "true")), True),
    ("one-pinning-condition-is-enough", allow("*", {"Bool": {"aws:SecureTransport": "true"},
                                                    "StringEquals": {"aws:SourceVpc": "vpc-91237329"}}), False),
]


@pytest.fixture(scope="module")
def s3(running_emulator):
    running_emulator.reset()
    return running_emulator.client("s3")


def make_bucket(s3, name: str) -> str:
    name = re.sub(r"[^a-z0-9-]", "-", name.lower())[:63].strip("-")
    try:
        s3.create_bucket(Bucket=name)
    except ClientError as error:
        if error.response["Error"]["Code"] not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
            raise
    return name


def policy(*statements) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


@pytest.mark.parametrize("statement,public", [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_policy_status_follows_the_user_guide(s3, request, statement, public):
    bucket = make_bucket(s3, "ps-" + request.node.callspec.id)
    s3.put_bucket_policy(Bucket=bucket, Policy=policy(statement))
    assert s3.get_bucket_policy_status(Bucket=bucket)["PolicyStatus"] == {"IsPublic": public}


SHARED_CASES = json.loads(
    (Path(__file__).resolve().parents[1] / "fixtures" / "s3-public-statements.json").read_text())["cases"]


def test_the_emulator_and_riposte_judge_every_shared_case_alike(s3):
    """tests/fixtures/s3-public-statements.json is also read by shared/src/s3_public_tests.rs (Riposte's own
    analysis): both evaluators must give S3's answer for every case."""
    bucket = make_bucket(s3, "ps-shared-cases")
    wrong = []
    for case in SHARED_CASES:
        s3.put_bucket_policy(Bucket=bucket, Policy=policy(case["statement"]))
        answer = s3.get_bucket_policy_status(Bucket=bucket)["PolicyStatus"]["IsPublic"]
        if answer != case["public"]:
            wrong.append((case["why"], case["statement"], answer))
    assert len(SHARED_CASES) >= 30 and not wrong, wrong


def test_one_public_statement_makes_the_policy_public(s3):
    # The page's "both public and non-public access grants" example: a service, another account, then everyone.
    bucket = make_bucket(s3, "ps-mixed")
    service = allow({"Service": "cloudtrail.amazonaws.com"}, action="s3:PutObject")
    account = allow({"AWS": "arn:aws:iam::210987654321:root"}, action="s3:GetObject")
    s3.put_bucket_policy(Bucket=bucket, Policy=policy(service, account, allow("*", action="s3:GetObject")))
    assert s3.get_bucket_policy_status(Bucket=bucket)["PolicyStatus"]["IsPublic"] is True
    s3.put_bucket_policy(Bucket=bucket, Policy=policy(service, account))
    assert s3.get_bucket_policy_status(Bucket=bucket)["PolicyStatus"]["IsPublic"] is False


def test_policy_status_ignores_block_public_access_and_needs_a_policy(s3):
    bucket = make_bucket(s3, "ps-bpa")
    with pytest.raises(ClientError) as excinfo:
        s3.get_bucket_policy_status(Bucket=bucket)
    assert error_of(excinfo)[:2] == ("NoSuchBucketPolicy", 404)
    s3.put_bucket_policy(Bucket=bucket, Policy=policy(allow("*", action="s3:GetObject")))
    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True})
    assert s3.get_bucket_policy_status(Bucket=bucket)["PolicyStatus"]["IsPublic"] is True
    s3.delete_bucket_policy(Bucket=bucket)
    with pytest.raises(ClientError) as excinfo:
        s3.get_bucket_policy_status(Bucket=bucket)
    assert error_of(excinfo)[:2] == ("NoSuchBucketPolicy", 404)


# Effective ACL under IgnorePublicAcls.

def block(s3, bucket: str, ignore_public_acls: bool) -> None:
    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration={
        "BlockPublicAcls": False, "IgnorePublicAcls": ignore_public_acls, "BlockPublicPolicy": False,
        "RestrictPublicBuckets": False})


def grants(answer: dict) -> set[tuple[str, str]]:
    return {(g["Grantee"].get("URI") or g["Grantee"].get("ID"), g["Permission"]) for g in answer["Grants"]}


def test_ignore_public_acls_hides_public_grants_without_changing_the_stored_acl(emulator):
    s3 = emulator.client("s3")
    s3.create_bucket(Bucket="acl-public-read", ACL="public-read")
    stored = grants(s3.get_bucket_acl(Bucket="acl-public-read"))
    assert (ALL_USERS, "READ") in stored
    block(s3, "acl-public-read", True)
    effective = grants(s3.get_bucket_acl(Bucket="acl-public-read"))
    assert effective == stored - {(ALL_USERS, "READ")} and effective  # the owner's FULL_CONTROL stays
    block(s3, "acl-public-read", False)
    assert grants(s3.get_bucket_acl(Bucket="acl-public-read")) == stored
    block(s3, "acl-public-read", True)
    s3.delete_public_access_block(Bucket="acl-public-read")
    assert grants(s3.get_bucket_acl(Bucket="acl-public-read")) == stored


def test_put_bucket_acl_still_replaces_the_stored_acl(emulator):
    s3 = emulator.client("s3")
    s3.create_bucket(Bucket="acl-replaced", ACL="public-read")
    block(s3, "acl-replaced", True)
    answer = s3.get_bucket_acl(Bucket="acl-replaced")
    owner_only = [g for g in answer["Grants"] if g["Grantee"].get("ID") == answer["Owner"]["ID"]]
    assert owner_only
    s3.put_bucket_acl(Bucket="acl-replaced", AccessControlPolicy={"Owner": answer["Owner"], "Grants": owner_only})
    block(s3, "acl-replaced", False)
    assert grants(s3.get_bucket_acl(Bucket="acl-replaced")) == {(answer["Owner"]["ID"], "FULL_CONTROL")}


def test_authenticated_users_are_public_and_log_delivery_is_not(emulator):
    s3 = emulator.client("s3")
    s3.create_bucket(Bucket="acl-groups")
    owner = s3.get_bucket_acl(Bucket="acl-groups")["Owner"]["ID"]
    s3.put_bucket_acl(Bucket="acl-groups", GrantFullControl=f'id="{owner}"',
                      GrantRead=f'uri="{AUTHENTICATED_USERS}"', GrantWrite=f'uri="{LOG_DELIVERY}"',
                      GrantReadACP=f'uri="{ALL_USERS}", uri="{LOG_DELIVERY}"')
    everything = {(owner, "FULL_CONTROL"), (AUTHENTICATED_USERS, "READ"), (LOG_DELIVERY, "WRITE"),
                  (ALL_USERS, "READ_ACP"), (LOG_DELIVERY, "READ_ACP")}
    assert grants(s3.get_bucket_acl(Bucket="acl-groups")) == everything  # one grant per grantee, as S3 lists them
    block(s3, "acl-groups", True)
    assert grants(s3.get_bucket_acl(Bucket="acl-groups")) == {
        (owner, "FULL_CONTROL"), (LOG_DELIVERY, "WRITE"), (LOG_DELIVERY, "READ_ACP")}


def test_object_acls_and_the_account_setting_count_too(emulator):
    s3 = emulator.client("s3")
    s3.create_bucket(Bucket="acl-account")
    s3.put_object(Bucket="acl-account", Key="k", Body=b"x", ACL="public-read")
    assert (ALL_USERS, "READ") in grants(s3.get_object_acl(Bucket="acl-account", Key="k"))
    # Account-level Block Public Access (S3 Control). Its endpoint puts the account id in front of the host, which
    # 127.0.0.1 cannot resolve; take it off again before signing.
    control = emulator.client("s3control")
    control.meta.events.register("before-sign.s3-control.*", lambda request, **_: setattr(
        request, "url", request.url.replace(f"//{DEFAULT_ACCOUNT}.", "//", 1)))
    control.put_public_access_block(AccountId=DEFAULT_ACCOUNT, PublicAccessBlockConfiguration={
        "BlockPublicAcls": False, "IgnorePublicAcls": True, "BlockPublicPolicy": False,
        "RestrictPublicBuckets": False})
    assert ALL_USERS not in {uri for uri, _ in grants(s3.get_object_acl(Bucket="acl-account", Key="k"))}
    s3.put_bucket_acl(Bucket="acl-account", ACL="public-read")
    assert ALL_USERS not in {uri for uri, _ in grants(s3.get_bucket_acl(Bucket="acl-account"))}
    control.delete_public_access_block(AccountId=DEFAULT_ACCOUNT)
    assert (ALL_USERS, "READ") in grants(s3.get_bucket_acl(Bucket="acl-account"))
