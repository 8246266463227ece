"""Build Riposte's test world on a freshly reset emulator and print one JSON manifest on stdout.

python -m riposte_emulator.scenario --endpoint URL [--region us-east-1] [--spoke-template PATH] [--set core|coverage|batch [--count N]
    [--accounts K] [--regions R1,R2]]

An organization (management + security hub + workload-a/b/c + sandbox), the hub role and its credentials, Security
Hub, a notification topic with an SQS tap, the spoke role deployed by a SELF_MANAGED StackSet to workload-a/b/c,
the incidents and their bystanders, and the findings imported into the hub's Security Hub. Account ids are read
back from Organizations, never assumed. Afterwards the call log is cleared; the Imported-event log is kept.
The batch set with --accounts K adds members fleet-02 … fleet-K, spokes like workload-a/b/c (see batch.py).
"""

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import boto3
import requests
from botocore.config import Config

from . import asff, batch, coverage
from .journal import iso_millis, utc_now
from .sts import SERVICE_HEADER

MEMBERS = ["security", "workload-a", "workload-b", "workload-c", "sandbox"]
SPOKE_MEMBERS = ["workload-a", "workload-b", "workload-c"]
ORG_ACCESS_ROLE = "OrganizationAccountAccessRole"
HUB_ROLE = "riposte-hub"
SPOKE_ROLE = "SecurityAutomationRemediationRole"
STACKSET = "riposte-spoke-role"
USER = "ci-deployer"
LINK_TAG = "riposte:linked-iam-user"
INSTANCE_ROLE = "app-instance-role"
OLD_KEYS_USER = "key-rotation-laggard"
OLD_KEYS_BYSTANDER = "build-bot"
INSTANCE_ID = "i-0123456789abcdef0"
# Fake, static management-account keys: unknown to moto, so they act in its default account (the management).
MANAGEMENT_KEYS = {"access_key_id": "AKIAEMULATORMGMT0001", "secret_access_key": "riposte-emulator-not-a-secret"}
DEFAULT_TEMPLATE = Path(__file__).resolve().parents[3] / "stacksets" / "spoke-role.yaml"


def log(message: str) -> None:
    print(f"scenario: {message}", file=sys.stderr, flush=True)


class World:
    """Clients for the emulator, per account (via OrganizationAccountAccessRole) or per explicit credentials."""

    def __init__(self, endpoint: str, region: str) -> None:
        self.endpoint, self.region = endpoint.rstrip("/"), region
        self.account_creds: dict[str, dict[str, str]] = {}

    def client(self, service: str, creds: dict[str, str] | None = None, account: str | None = None,
               region: str | None = None) -> Any:
        """`account` acts in that account through moto's x-moto-account-id header, as a non-session caller."""
        creds = creds or MANAGEMENT_KEYS
        client = boto3.client(
            service, endpoint_url=self.endpoint, region_name=region or self.region,
            aws_access_key_id=creds["access_key_id"], aws_secret_access_key=creds["secret_access_key"],
            aws_session_token=creds.get("session_token"),
            config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}),
        )
        if account:
            client.meta.events.register("before-sign.*.*", lambda request, **_: request.headers.__setitem__(
                "x-moto-account-id", account))
        return client

    def assume(self, role_arn: str, session: str, creds: dict[str, str] | None = None, as_service: str | None = None,
               duration: int = 3600, account: str | None = None) -> dict[str, Any]:
        sts = self.client("sts", creds, account)
        if as_service:
            sts.meta.events.register("before-sign.sts.AssumeRole",
                                     lambda request, **_: request.headers.__setitem__(SERVICE_HEADER, as_service))
        answer = sts.assume_role(RoleArn=role_arn, RoleSessionName=session, DurationSeconds=duration)
        c = answer["Credentials"]
        return {"access_key_id": c["AccessKeyId"], "secret_access_key": c["SecretAccessKey"],
                "session_token": c["SessionToken"], "expiration": c["Expiration"].isoformat(),
                "assumed_role_id": answer["AssumedRoleUser"]["AssumedRoleId"],
                "assumed_role_arn": answer["AssumedRoleUser"]["Arn"]}

    def admin(self, service: str, account: str, region: str | None = None) -> Any:
        """A client acting in `account` through OrganizationAccountAccessRole (management account for itself)."""
        if account not in self.account_creds:
            arn = f"arn:aws:iam::{account}:role/{ORG_ACCESS_ROLE}"
            self.account_creds[account] = self.assume(arn, "riposte-scenario-setup")
        return self.client(service, self.account_creds[account], region=region)


def create_org(world: World, extra: Sequence[str] = ()) -> tuple[str, str, dict[str, str]]:
    """MEMBERS, then the `extra` member names (the batch set's fleet), each by CreateAccount."""
    orgs = world.client("organizations")
    org = orgs.create_organization(FeatureSet="ALL")["Organization"]
    accounts = {}
    names = MEMBERS + list(extra)
    for name in names:
        request = orgs.create_account(Email=f"{name}@riposte.example", AccountName=name)["CreateAccountStatus"]
        status = orgs.describe_create_account_status(CreateAccountRequestId=request["Id"])["CreateAccountStatus"]
        if status["State"] != "SUCCEEDED":
            raise RuntimeError(f"CreateAccount {name}: {status}")
        accounts[name] = status["AccountId"]
    listed = {a["Name"]: a["Id"] for page in orgs.get_paginator("list_accounts").paginate() for a in page["Accounts"]}
    if any(listed.get(n) != accounts[n] for n in names):
        raise RuntimeError(f"ListAccounts disagrees with CreateAccount: {listed} vs {accounts}")
    log(f"organization {org['Id']}, management {org['MasterAccountId']}, accounts {accounts}")
    return org["Id"], org["MasterAccountId"], accounts


def setup_hub(world: World, hub: str) -> dict[str, Any]:
    iam = world.admin("iam", hub)
    trust = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com", "AWS": f"arn:aws:iam::{hub}:root"},
        "Action": ["sts:AssumeRole", "sts:SetSourceIdentity"]}]}
    role = iam.create_role(RoleName=HUB_ROLE, AssumeRolePolicyDocument=json.dumps(trust), MaxSessionDuration=43200,
                           Description="Riposte hub function role (emulator)")["Role"]
    iam.put_role_policy(RoleName=HUB_ROLE, PolicyName="riposte-hub", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["sts:AssumeRole", "sts:SetSourceIdentity"],
             "Resource": f"arn:aws:iam::*:role/{SPOKE_ROLE}"},
            {"Effect": "Allow", "Action": ["securityhub:BatchUpdateFindings", "securityhub:GetFindings",
                                           "sns:Publish"], "Resource": "*"}]}))
    world.admin("securityhub", hub).enable_security_hub(EnableDefaultStandards=False)
    sns, sqs = world.admin("sns", hub), world.admin("sqs", hub)
    topic_arn = sns.create_topic(Name="riposte-notifications")["TopicArn"]
    queue_url = sqs.create_queue(QueueName="riposte-notifications-tap")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sqs.set_queue_attributes(QueueUrl=queue_url, Attributes={"Policy": json.dumps({
        "Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"}, "Action": "sqs:SendMessage",
            "Resource": queue_arn, "Condition": {"ArnEquals": {"aws:SourceArn": topic_arn}}}]})})
    sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn,
                  Attributes={"RawMessageDelivery": "false"})
    # Like the Lambda runtime: a first-hop session (no role chaining), so it may last the role's 12 hours.
    creds = world.assume(role["Arn"], "riposte-hub", account=hub, duration=43200)
    log(f"hub role {role['Arn']} assumed as {creds['assumed_role_arn']}")
    return {"hub_role_arn": role["Arn"], "hub_credentials": creds, "topic_arn": topic_arn,
            "notification_queue_url": queue_url}


def deploy_spokes(world: World, template: str, org_id: str, hub: str, accounts: dict[str, str],
                  extra: Sequence[str] = ()) -> None:
    """The StackSet's instances go to SPOKE_MEMBERS and the `extra` members; sandbox must stay without the role."""
    cfn = world.client("cloudformation")  # the management account administers the StackSet
    cfn.create_stack_set(
        StackSetName=STACKSET, TemplateBody=template, PermissionModel="SELF_MANAGED",
        Capabilities=["CAPABILITY_NAMED_IAM"], Description="Riposte spoke role (emulator scenario)",
        Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in {
            "HubAccountId": hub, "HubRoleName": HUB_ROLE, "OrganizationId": org_id, "RoleName": SPOKE_ROLE}.items()])
    spokes = SPOKE_MEMBERS + list(extra)
    targets = [accounts[n] for n in spokes]
    cfn.create_stack_instances(StackSetName=STACKSET, Accounts=targets, Regions=[world.region])
    for name in MEMBERS[1:] + list(extra):
        try:
            world.admin("iam", accounts[name]).get_role(RoleName=SPOKE_ROLE)
            present = True
        except world.client("iam").exceptions.NoSuchEntityException:
            present = False
        if present != (name in spokes):
            raise RuntimeError(f"spoke role in {name} ({accounts[name]}): present={present}, expected the opposite;"
                               " check the StackSet template")
    log(f"StackSet {STACKSET} put {SPOKE_ROLE} into {targets}")


def make_bucket(s3: Any, name: str, region: str, *, public_acl: bool = False, policy: list | None = None,
                bpa_all_false: bool = False, tags: dict | None = None) -> str:
    s3.create_bucket(Bucket=name, **({} if region == "us-east-1" else {
        "CreateBucketConfiguration": {"LocationConstraint": region}}))
    if bpa_all_false:
        s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration={
            k: False for k in ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")})
    if public_acl:
        s3.put_bucket_ownership_controls(Bucket=name,
                                         OwnershipControls={"Rules": [{"ObjectOwnership": "ObjectWriter"}]})
        s3.put_bucket_acl(Bucket=name, ACL="public-read")
    if policy:
        s3.put_bucket_policy(Bucket=name, Policy=json.dumps({"Version": "2012-10-17", "Statement": policy}))
    if tags:
        s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": [{"Key": k, "Value": v} for k, v in tags.items()]})
    return s3.get_bucket_acl(Bucket=name)["Owner"]["ID"]


def public_read(bucket: str) -> dict:
    return {"Sid": "PublicRead", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
            "Resource": f"arn:aws:s3:::{bucket}/*"}


def user_with_two_keys(iam: Any) -> dict[str, Any]:
    user = iam.create_user(UserName=USER, Tags=[{"Key": "team", "Value": "platform"}])["User"]
    keys = [iam.create_access_key(UserName=USER)["AccessKey"]["AccessKeyId"] for _ in range(2)]
    return {"user_name": USER, "user_id": user["UserId"], "user_arn": user["Arn"], "access_key_ids": keys}


def setup_workload_a(world: World, acct: str) -> tuple[dict, dict]:
    iam, sm = world.admin("iam", acct), world.admin("secretsmanager", acct)
    user = user_with_two_keys(iam)
    tags = [{"Key": LINK_TAG, "Value": USER}]
    token = sm.create_secret(Name=f"{USER}/api-token", SecretString=json.dumps({"api_token": "tok-0001"}), Tags=tags)
    rotator = f"arn:aws:lambda:{world.region}:{acct}:function:ci-deployer-token-rotator"
    sm.rotate_secret(SecretId=token["ARN"], RotationLambdaARN=rotator, RotationRules={"AutomaticallyAfterDays": 30},
                     RotateImmediately=False)
    legacy = sm.create_secret(Name=f"{USER}/legacy", SecretString="legacy-password-0001", Tags=tags)
    user["linked_secrets"] = [
        {"name": token["Name"], "arn": token["ARN"], "rotation_configured": True, "rotation_lambda_arn": rotator,
         "version_id": token["VersionId"]},
        {"name": legacy["Name"], "arn": legacy["ARN"], "rotation_configured": False,
         "version_id": legacy["VersionId"]}]
    user["compromised_access_key_id"] = user["access_key_ids"][0]
    user["account_id"] = acct

    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
                                                     "Action": "sts:AssumeRole"}]}
    role = iam.create_role(RoleName=INSTANCE_ROLE, AssumeRolePolicyDocument=json.dumps(trust))["Role"]
    iam.put_role_policy(RoleName=INSTANCE_ROLE, PolicyName="app-read", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}))
    issued_at = iso_millis(utc_now())
    stolen = world.assume(role["Arn"], INSTANCE_ID, creds=world.account_creds[acct], as_service="ec2.amazonaws.com")
    return user, {"account_id": acct, "role_name": INSTANCE_ROLE, "role_arn": role["Arn"], "role_id": role["RoleId"],
                  "instance_id": INSTANCE_ID, "access_key_id": stolen["access_key_id"],
                  "principal_id": stolen["assumed_role_id"], "session_arn": stolen["assumed_role_arn"],
                  "issued_at": issued_at}


def setup_old_keys(world: World, acct: str) -> dict[str, Any]:
    """IAM.3: a user whose keys are past the age (moto cannot backdate a key: the hub under test is configured
    with a maximum age of 0 days, and the age rule itself is unit-tested with a fake clock), and a bystander."""
    iam = world.admin("iam", acct)
    user = iam.create_user(UserName=OLD_KEYS_USER)["User"]
    keys = [iam.create_access_key(UserName=OLD_KEYS_USER)["AccessKey"]["AccessKeyId"] for _ in range(2)]
    iam.create_user(UserName=OLD_KEYS_BYSTANDER)
    bystander_key = iam.create_access_key(UserName=OLD_KEYS_BYSTANDER)["AccessKey"]["AccessKeyId"]
    return {"account_id": acct, "user_name": OLD_KEYS_USER, "user_arn": user["Arn"], "access_key_ids": keys,
            "bystander": OLD_KEYS_BYSTANDER, "bystander_key": bystander_key}


def setup_security_groups(world: World, accounts: dict[str, str]) -> dict[str, Any]:
    """EC2.19: a group with SSH open to the world beside HTTPS to the world and SSH from an office range; EC2.2:
    workload-b's default group (with the self-reference rule moto leaves out); workload-c's default group is the
    bystander."""
    b, c = accounts["workload-b"], accounts["workload-c"]
    ec2 = world.admin("ec2", b)
    vpc = ec2.describe_vpcs(Filters=[{"Name": "isDefault", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
    web = ec2.create_security_group(GroupName="riposte-web", Description="web servers", VpcId=vpc)["GroupId"]

    def tcp(port: int, cidr: str) -> dict:
        return {"IpProtocol": "tcp", "FromPort": port, "ToPort": port, "IpRanges": [{"CidrIp": cidr}]}

    ec2.authorize_security_group_ingress(GroupId=web, IpPermissions=[
        tcp(22, "0.0.0.0/0"), tcp(443, "0.0.0.0/0"), tcp(22, "203.0.113.0/24")])
    default = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc]},
                                                    {"Name": "group-name", "Values": ["default"]}])
    default_id = default["SecurityGroups"][0]["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=default_id, IpPermissions=[
        {"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": default_id}]}])
    ec2c = world.admin("ec2", c)
    vpc_c = ec2c.describe_vpcs(Filters=[{"Name": "isDefault", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
    default_c = ec2c.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc_c]},
                                                       {"Name": "group-name", "Values": ["default"]}])
    return {"account_id": b, "vpc_id": vpc, "web_group": web, "default_group": default_id,
            "bystander_account": c, "bystander_default_group": default_c["SecurityGroups"][0]["GroupId"]}


def setup_buckets(world: World, accounts: dict[str, str]) -> tuple[dict, dict, dict[str, str]]:
    b, c, sandbox, region = accounts["workload-b"], accounts["workload-c"], accounts["sandbox"], world.region
    s3b, s3c, s3s = (world.admin("s3", a) for a in (b, c, sandbox))
    public, mixed, excluded = f"riposte-public-{b}", f"riposte-mixed-{b}", f"riposte-excluded-{b}"
    hidden = f"riposte-hidden-acl-{b}"
    lookalike, sandbox_bucket = f"riposte-public-lookalike-{c}", f"riposte-public-{sandbox}"
    owner_b = make_bucket(s3b, public, region, public_acl=True, policy=[public_read(public)])
    make_bucket(s3b, mixed, region, bpa_all_false=True, policy=[public_read(mixed), {
        "Sid": "AllowLogDelivery", "Effect": "Allow", "Principal": {"Service": "logging.s3.amazonaws.com"},
        "Action": "s3:PutObject", "Resource": f"arn:aws:s3:::{mixed}/logs/*",
        "Condition": {"StringEquals": {"aws:SourceAccount": b}}}, {
        # The S3 User Guide's "delegate access control to access points" statement: not public, must stay.
        "Sid": "DelegateToAccessPoints", "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "*",
        "Resource": [f"arn:aws:s3:::{mixed}", f"arn:aws:s3:::{mixed}/*"],
        "Condition": {"StringEquals": {"s3:DataAccessPointAccount": b}}}])
    # Public by ACL, then Block Public Access turned on: GetBucketAcl hides the public grant from now on.
    make_bucket(s3b, hidden, region, public_acl=True)
    s3b.put_public_access_block(Bucket=hidden, PublicAccessBlockConfiguration={
        k: True for k in ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")})
    make_bucket(s3b, excluded, region, bpa_all_false=True, policy=[public_read(excluded)],
                tags={"AutoRemediate": "false"})
    make_bucket(s3c, lookalike, region, public_acl=True)
    owner_s = make_bucket(s3s, sandbox_bucket, region, public_acl=True)
    incidents = {
        "public_bucket": {"account_id": b, "bucket": public, "public_via": ["acl", "policy"],
                          "block_public_access": "unset", "policy_sids": ["PublicRead"]},
        "mixed_bucket": {"account_id": b, "bucket": mixed, "public_via": ["policy"],
                         "block_public_access": "all-false", "public_statement_sid": "PublicRead",
                         "kept_statement_sids": ["AllowLogDelivery", "DelegateToAccessPoints"]},
        "hidden_acl_bucket": {"account_id": b, "bucket": hidden, "public_via": ["acl"],
                              "block_public_access": "all-on (the public grant is hidden by IgnorePublicAcls)"},
        "excluded_bucket": {"account_id": b, "bucket": excluded, "public_via": ["policy"],
                            "block_public_access": "all-false", "tags": {"AutoRemediate": "false"}},
        "sandbox_bucket": {"account_id": sandbox, "bucket": sandbox_bucket, "public_via": ["acl"],
                           "block_public_access": "unset", "spoke_role": False},
    }
    bystander = {"account_id": c, "bucket": lookalike, "public_via": ["acl"], "block_public_access": "unset"}
    return incidents, bystander, {b: owner_b, sandbox: owner_s}


def import_findings(world: World, hub: str, incidents: dict, owners: dict[str, str]) -> list[dict]:
    """Canonical owner ids by account go into Details.AwsS3Bucket.OwnerId."""
    region, now = world.region, iso_millis(utc_now())
    user, role = incidents["user_compromise"], incidents["role_compromise"]
    a = user["account_id"]
    planned = [
        ("user-compromise", "credential-compromise", USER, asff.guardduty_finding(
            region, a, "UnauthorizedAccess:IAMUser/MaliciousIPCaller",
            "API ListBuckets was invoked from a known malicious IP address.",
            f"API ListBuckets was invoked from known malicious IP address {asff.ATTACKER_IP} by IAM principal {USER}.",
            user["compromised_access_key_id"],
            {"PrincipalName": USER, "PrincipalType": "IAMUser", "PrincipalId": user["user_id"], "UserName": USER},
            "ListBuckets", now)),
        ("role-compromise", "credential-compromise", INSTANCE_ROLE, asff.guardduty_finding(
            region, a, "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS",
            f"Credentials for instance role {INSTANCE_ROLE} used from external IP address.",
            f"Credentials created exclusively for an EC2 instance using instance role {INSTANCE_ROLE} have been "
            f"used from external IP address {asff.ATTACKER_IP}.",
            role["access_key_id"],
            {"PrincipalName": INSTANCE_ROLE, "PrincipalType": "AssumedRole", "PrincipalId": role["principal_id"]},
            "ListBuckets", now)),
    ]
    old = incidents["old_keys"]
    planned.append(("old-keys", "old-access-keys", OLD_KEYS_USER,
                    asff.user_control_finding(region, old["account_id"], old["user_arn"], now)))
    groups = incidents["security_groups"]
    planned.append(("world-open-ssh", "world-open-ports", groups["web_group"], asff.security_group_finding(
        region, groups["account_id"], "EC2.19", groups["web_group"],
        "Security groups should not allow unrestricted access to ports with high risk", now)))
    planned.append(("default-group", "default-security-group", groups["default_group"],
                    asff.security_group_finding(
                        region, groups["account_id"], "EC2.2", groups["default_group"],
                        "VPC default security groups should not allow inbound or outbound traffic", now)))
    for key, incident, control in [("public-bucket", "public_bucket", "S3.8"), ("mixed-bucket", "mixed_bucket", "S3.2"),
                                   ("excluded-bucket", "excluded_bucket", "S3.8"),
                                   ("hidden-acl-bucket", "hidden_acl_bucket", "S3.2"),
                                   ("sandbox-bucket", "sandbox_bucket", "S3.8")]:
        bucket, account = incidents[incident]["bucket"], incidents[incident]["account_id"]
        planned.append((key, "public-bucket", bucket, asff.control_finding(
            region, account, control, bucket, owners[account], now)))
    return import_planned(world, hub, planned)


def import_planned(world: World, hub: str, planned: list) -> list[dict]:
    """Import (key, playbook, resource, finding) tuples into the hub's Security Hub; one manifest entry each."""
    answer = world.admin("securityhub", hub).batch_import_findings(Findings=[p[3] for p in planned])
    if answer["FailedCount"]:
        raise RuntimeError(f"BatchImportFindings failed: {answer['FailedFindings']}")
    return [{"key": key, "id": f["Id"], "product_arn": f["ProductArn"], "account_id": f["AwsAccountId"],
             "region": f["Region"], "kind": kind, "resource": resource,
             "control_id": (f.get("Compliance") or {}).get("SecurityControlId"), "types": f["Types"]}
            for key, kind, resource, f in planned]


def build(endpoint: str, region: str, template_path: Path, which: str = "core", count: int = 100,
          fleet_size: int = 1, regions: Sequence[str] | None = None) -> dict[str, Any]:
    template = template_path.read_text()
    world = World(endpoint, region)
    # moto's reset re-creates the IAM backend of every account seen: about a minute after a 20-account fleet.
    requests.post(f"{world.endpoint}/moto-api/reset", timeout=300).raise_for_status()
    fleet = batch.fleet_names(fleet_size) if which == "batch" else []
    org_id, management, accounts = create_org(world, fleet)
    hub = accounts["security"]
    # The security account administers Security Hub for the organization, which lets it read the
    # organization's accounts and OUs (Organizations' delegated administrators have read-only access).
    world.client("organizations").register_delegated_administrator(
        AccountId=hub, ServicePrincipal="securityhub.amazonaws.com")
    manifest: dict[str, Any] = {"endpoint": world.endpoint, "region": region, "org_id": org_id,
                                "management_account": management, "hub_account": hub, "set": which}
    manifest.update(setup_hub(world, hub))
    deploy_spokes(world, template, org_id, hub, accounts, fleet)
    manifest.update({
        "spoke_role_name": SPOKE_ROLE, "stackset_name": STACKSET, "stackset_admin_account": management,
        "spoke_template": str(template_path),
        "members": [{"name": n, "account_id": accounts[n], "spoke_role": n in SPOKE_MEMBERS + fleet}
                    for n in MEMBERS[1:] + fleet],
        "management_credentials": dict(MANAGEMENT_KEYS), "org_access_role_name": ORG_ACCESS_ROLE,
    })
    if which == "coverage":
        manifest.update(build_coverage(world, hub, accounts))
    elif which == "batch":
        manifest.update(build_batch(world, hub, accounts, count, fleet, regions))
    else:
        manifest.update(build_core(world, hub, accounts))
    requests.delete(f"{world.endpoint}/_riposte/calls", timeout=30).raise_for_status()
    events = requests.get(f"{world.endpoint}/_riposte/events", timeout=30).json()["events"]
    manifest["imported_event_count"] = len(events)
    log(f"ready: {len(manifest['findings'])} findings imported, {len(events)} Imported events kept, call log cleared")
    return manifest


def build_core(world: World, hub: str, accounts: dict[str, str]) -> dict[str, Any]:
    user, role = setup_workload_a(world, accounts["workload-a"])
    old_keys = setup_old_keys(world, accounts["workload-a"])
    groups = setup_security_groups(world, accounts)
    bucket_incidents, lookalike, owners = setup_buckets(world, accounts)
    bystander_user = user_with_two_keys(world.admin("iam", accounts["workload-c"]))
    bystander_user["account_id"] = accounts["workload-c"]
    incidents = {"user_compromise": user, "role_compromise": role, "old_keys": old_keys,
                 "security_groups": groups, **bucket_incidents}
    return {"findings": import_findings(world, hub, incidents, owners), "incidents": incidents,
            "bystanders": {"same_name_user": bystander_user, "lookalike_bucket": lookalike}}


def build_coverage(world: World, hub: str, accounts: dict[str, str]) -> dict[str, Any]:
    incidents, bystanders = coverage.setup(world, accounts)
    planned = coverage.planned_findings(world.region, incidents, iso_millis(utc_now()))
    return {"findings": import_planned(world, hub, planned), "incidents": incidents, "bystanders": bystanders}


def build_batch(world: World, hub: str, accounts: dict[str, str], count: int, fleet: Sequence[str] = (),
                regions: Sequence[str] | None = None) -> dict[str, Any]:
    started = time.monotonic()
    incidents, bystanders, owners = batch.setup(world, accounts, count, fleet, regions)
    log(f"batch: {count} users and {count} buckets in {time.monotonic() - started:.1f} s")
    planned = batch.planned_findings(incidents, owners, iso_millis(utc_now()))
    # BatchImportFindings takes at most 100 findings a call.
    findings = [f for i in range(0, len(planned), 100) for f in import_planned(world, hub, planned[i:i + 100])]
    return {"findings": findings, "incidents": incidents, "bystanders": bystanders}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="riposte-emulator-scenario", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--endpoint", required=True, help="emulator URL, e.g. http://127.0.0.1:4566")
    parser.add_argument("--region", default="us-east-1")
    parser.add_argument("--spoke-template", type=Path, default=DEFAULT_TEMPLATE)
    parser.add_argument("--set", dest="which", choices=["core", "coverage", "batch"], default="core",
                        help="core: the seed incidents (credential compromise, buckets, IAM.3, EC2); "
                             "coverage: one incident and one bystander per coverage playbook; "
                             "batch: COUNT compromised users and COUNT public buckets (see batch.py)")
    parser.add_argument("--count", type=int, default=100,
                        help="batch set only: how many users, and how many buckets (default 100)")
    parser.add_argument("--accounts", type=batch.account_count, default=None,
                        help="batch set only: over K accounts, workload-a and new members fleet-02 … fleet-K "
                             "(default 1)")
    parser.add_argument("--regions", type=batch.region_list, default=None,
                        help="batch set only: over these comma-separated regions (default: --region)")
    args = parser.parse_args(argv)
    if not args.endpoint.startswith(("http://127.0.0.1", "http://localhost", "http://[::1]")):
        parser.error("the scenario only talks to a local emulator (http://127.0.0.1:PORT)")
    if args.count < 1:
        parser.error("--count must be at least 1")
    if args.which != "batch" and (args.accounts is not None or args.regions is not None):
        parser.error("--accounts and --regions belong to --set batch")
    manifest = build(args.endpoint, args.region, args.spoke_template.resolve(), args.which, args.count,
                     args.accounts or 1, args.regions)
    print(json.dumps(manifest, indent=2, sort_keys=False), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
