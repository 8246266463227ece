"""The fault switch and the latency switch (riposte_emulator/faults.py): each protocol's error is read by botocore
with the injected code and status; counts, `after`, account scoping, no side effect, journal marks, latency."""

import time

import boto3
import pytest
import requests
from botocore.config import Config
from botocore.exceptions import ClientError

from helpers import DEFAULT_ACCOUNT, FAKE_KEYS, REGION, error_of


def once(emulator, service: str, account: str | None = None):
    """A client that makes exactly one attempt (helpers' clients retry once in botocore's legacy mode)."""
    client = boto3.client(service, endpoint_url=emulator.url, region_name=REGION,
                          aws_access_key_id=FAKE_KEYS["access_key_id"],
                          aws_secret_access_key=FAKE_KEYS["secret_access_key"],
                          config=Config(s3={"addressing_style": "path"}, retries={"total_max_attempts": 1}))
    if account:
        client.meta.events.register(
            "before-sign.*.*", lambda request, **_: request.headers.__setitem__("x-moto-account-id", account))
    return client


def arm(emulator, **rule) -> dict:
    answer = requests.post(emulator.url + "/_riposte/faults", json=rule, timeout=10)
    answer.raise_for_status()
    return answer.json()["faults"][0]


CASES = [
    ("iam", "ListUsers", "Throttling", 400, lambda c: c.list_users()),
    ("s3", "ListBuckets", "SlowDown", 503, lambda c: c.list_buckets()),
    ("securityhub", "GetFindings", "TooManyRequestsException", 429, lambda c: c.get_findings()),
    ("secretsmanager", "ListSecrets", "InternalServiceError", 500, lambda c: c.list_secrets()),
    ("sns", "ListTopics", "InternalError", 500, lambda c: c.list_topics()),
    ("sts", "GetCallerIdentity", "ServiceUnavailable", 503, lambda c: c.get_caller_identity()),
    ("ec2", "DescribeSecurityGroups", "RequestLimitExceeded", 503, lambda c: c.describe_security_groups()),
    ("dynamodb", "ListTables", "ProvisionedThroughputExceededException", 400, lambda c: c.list_tables()),
]


@pytest.mark.parametrize("service,operation,code,status,call", CASES, ids=[c[0] for c in CASES])
def test_each_protocol_carries_the_code_and_the_next_call_succeeds(emulator, service, operation, code, status, call):
    client = once(emulator, service)
    if service == "securityhub":
        client.enable_security_hub()
    arm(emulator, service=service, operation=operation, code=code, status=status)
    with pytest.raises(ClientError) as excinfo:
        call(client)
    assert error_of(excinfo)[:2] == (code, status)
    call(client)  # the count is spent
    faulted = [c for c in emulator.get("/_riposte/calls")["calls"] if c["operation"] == operation]
    assert [c.get("fault") for c in faulted] == [code, None]


def test_after_count_forever_and_clear(emulator):
    iam = once(emulator, "iam")
    arm(emulator, operation="ListUsers", code="Throttling", after=1, count=-1)
    iam.list_users()
    for _ in range(3):
        with pytest.raises(ClientError):
            iam.list_users()
    assert emulator.get("/_riposte/faults")["faults"][0]["hits"] == 3
    assert emulator.delete("/_riposte/faults") == {"cleared": 1}
    iam.list_users()


def test_a_faulted_write_has_no_side_effect(emulator):
    iam = once(emulator, "iam")
    arm(emulator, operation="CreateUser", code="AccessDenied", status=403)
    with pytest.raises(ClientError):
        iam.create_user(UserName="never")
    assert [u["UserName"] for u in iam.list_users()["Users"]] == []


def test_a_rule_scoped_to_an_account_spares_the_others(emulator):
    arm(emulator, operation="ListUsers", code="AccessDenied", status=403, account_id="111111111111")
    once(emulator, "iam").list_users()  # moto's default account
    with pytest.raises(ClientError):
        once(emulator, "iam", account="111111111111").list_users()
    assert DEFAULT_ACCOUNT != "111111111111"


def test_bad_rules_are_refused(emulator):
    for rule in ({"code": "Throttling"}, {"operation": "ListUsers"}, {"operation": "ListUsers", "code": "X",
                                                                        "count": "2"}):
        assert requests.post(emulator.url + "/_riposte/faults", json=rule, timeout=10).status_code == 400


def test_latency_delays_every_call_until_cleared_and_reset_clears_rules(emulator):
    iam = once(emulator, "iam")
    requests.post(emulator.url + "/_riposte/latency", json={"ms": 200}, timeout=10).raise_for_status()
    started = time.monotonic()
    iam.list_users()
    assert time.monotonic() - started >= 0.2
    assert emulator.get("/_riposte/latency") == {"latency": {"*": 200}}
    emulator.delete("/_riposte/latency")
    assert emulator.get("/_riposte/latency") == {"latency": {}}
    arm(emulator, operation="ListUsers", code="Throttling")
    emulator.reset()
    assert emulator.get("/_riposte/faults") == {"faults": []}
