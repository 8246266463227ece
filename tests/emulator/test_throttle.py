"""The throttle switch (riposte_emulator/throttle.py): token buckets per (service, account, region), IAM's per account;
the service's throttling code read by botocore, refill at `rate`, counts, journal marks, bad bodies, reset."""

import time
from concurrent.futures import ThreadPoolExecutor

import boto3
import pytest
import requests
from botocore.config import Config
from botocore.exceptions import ClientError

from helpers import DEFAULT_ACCOUNT, FAKE_KEYS, REGION, error_of

OTHER_ACCOUNT = "111111111111"


def once(emulator, service: str, account: str | None = None, region: str = REGION):
    """A client that makes exactly one attempt (botocore would retry a throttled call)."""
    client = boto3.client(service, endpoint_url=emulator.url, region_name=region,
                          aws_access_key_id=FAKE_KEYS["access_key_id"],
                          aws_secret_access_key=FAKE_KEYS["secret_access_key"],
                          config=Config(s3={"addressing_style": "path"}, retries={"total_max_attempts": 1}))
    if account:
        client.meta.events.register(
            "before-sign.*.*", lambda request, **_: request.headers.__setitem__("x-moto-account-id", account))
    return client


def throttle(emulator, **setting) -> dict:
    answer = requests.post(emulator.url + "/_riposte/throttle", json=setting, timeout=10)
    answer.raise_for_status()
    return answer.json()


def warm(*calls) -> None:
    """Call each twice before the clock matters: the first builds the account's backend (IAM: ~1-2 s) and botocore's
    second S3 call takes ~0.5 s on the client's side."""
    for call in calls:
        call()
        call()


def outcomes(call, n: int) -> list:
    """None for each call that passed, (code, status) for each that was refused."""
    out = []
    for _ in range(n):
        try:
            call()
            out.append(None)
        except ClientError as e:
            out.append((e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"]))
    return out


CASES = [("iam", "ListUsers", "Throttling", 400, None, lambda c: c.list_users()),
         ("s3", "ListBuckets", "SlowDown", 503, REGION, lambda c: c.list_buckets())]


@pytest.mark.parametrize("service,operation,code,status,region,call", CASES, ids=[c[0] for c in CASES])
def test_a_burst_beyond_the_bucket_is_throttled_with_the_service_code(emulator, service, operation, code, status,
                                                                       region, call):
    client = once(emulator, service)
    warm(lambda: call(client))
    emulator.delete("/_riposte/calls")
    setting = throttle(emulator, service=service, rate=0.2, burst=3)["throttle"]
    assert setting == [{"service": service, "account_id": None, "rate": 0.2, "burst": 3, "code": code,
                        "status": status}]
    assert outcomes(lambda: call(client), 5) == [None, None, None, (code, status), (code, status)]
    calls = emulator.get("/_riposte/calls", operation=operation)["calls"]
    assert [(c.get("throttled"), c["status"]) for c in calls] == [(None, 200)] * 3 + [(code, status)] * 2
    assert not any("fault" in c for c in calls)
    assert emulator.get("/_riposte/throttle")["counts"] == [
        {"service": service, "account_id": DEFAULT_ACCOUNT, "region": region, "passed": 3, "throttled": 2}]


def test_iam_has_one_bucket_per_account_whatever_the_region(emulator):
    east, west = once(emulator, "iam"), once(emulator, "iam", region="us-west-2")
    warm(east.list_users, west.list_roles)
    throttle(emulator, service="iam", rate=0.2, burst=1)
    east.list_users()
    with pytest.raises(ClientError) as excinfo:
        west.list_roles()
    assert error_of(excinfo)[:2] == ("Throttling", 400)
    assert emulator.get("/_riposte/throttle")["counts"] == [
        {"service": "iam", "account_id": DEFAULT_ACCOUNT, "region": None, "passed": 1, "throttled": 1}]


def test_a_token_comes_back_after_one_over_rate_seconds(emulator):
    s3 = once(emulator, "s3")
    warm(s3.list_buckets)
    throttle(emulator, service="s3", rate=2, burst=1)
    assert outcomes(s3.list_buckets, 2) == [None, ("SlowDown", 503)]
    time.sleep(0.5 + 0.05)
    assert outcomes(s3.list_buckets, 2) == [None, ("SlowDown", 503)]
    assert emulator.get("/_riposte/throttle")["counts"][0]["passed"] == 2


def test_each_account_and_region_has_its_own_bucket_and_an_account_setting_wins(emulator):
    mine, theirs, west = once(emulator, "s3"), once(emulator, "s3", OTHER_ACCOUNT), once(emulator, "s3",
                                                                                        region="us-west-2")
    warm(mine.list_buckets, theirs.list_buckets, west.list_buckets)
    throttle(emulator, service="s3", rate=0.2, burst=1)
    throttle(emulator, service="s3", account_id=OTHER_ACCOUNT, rate=0.2, burst=2, code="TooManyRequests",
             status=429)
    assert outcomes(mine.list_buckets, 2) == [None, ("SlowDown", 503)]
    assert outcomes(west.list_buckets, 2) == [None, ("SlowDown", 503)]
    assert outcomes(theirs.list_buckets, 3) == [None, None, ("TooManyRequests", 429)]
    view = emulator.get("/_riposte/throttle")
    assert len(view["throttle"]) == 2
    assert view["counts"] == [
        {"service": "s3", "account_id": OTHER_ACCOUNT, "region": REGION, "passed": 2, "throttled": 1},
        {"service": "s3", "account_id": DEFAULT_ACCOUNT, "region": REGION, "passed": 1, "throttled": 1},
        {"service": "s3", "account_id": DEFAULT_ACCOUNT, "region": "us-west-2", "passed": 1, "throttled": 1}]
    once(emulator, "sqs").list_queues()  # another service is not throttled


def test_posting_again_replaces_the_setting_and_refills(emulator):
    s3 = once(emulator, "s3")
    warm(s3.list_buckets)
    throttle(emulator, service="s3", rate=0.2, burst=1)
    assert outcomes(s3.list_buckets, 2) == [None, ("SlowDown", 503)]
    assert throttle(emulator, service="s3", rate=0.2, burst=2)["throttle"][0]["burst"] == 2
    assert outcomes(s3.list_buckets, 3) == [None, None, ("SlowDown", 503)]
    assert len(emulator.get("/_riposte/throttle")["throttle"]) == 1


BAD_BODIES = [
    {"rate": 1, "burst": 1}, {"service": "", "rate": 1, "burst": 1}, {"service": "iam", "burst": 1},
    {"service": "iam", "rate": 1}, {"service": "iam", "rate": 0, "burst": 1},
    {"service": "iam", "rate": -1, "burst": 1},
    {"service": "iam", "rate": 100_001, "burst": 1}, {"service": "iam", "rate": "5", "burst": 1},
    {"service": "iam", "rate": True, "burst": 1}, {"service": "iam", "rate": 1, "burst": 0},
    {"service": "iam", "rate": 1, "burst": 1.5}, {"service": "iam", "rate": 1, "burst": 1, "status": 200},
    {"service": "iam", "rate": 1, "burst": 1, "code": "not a code"},
    {"service": "iam", "rate": 1, "burst": 1, "account_id": 111111111111},
    {"service": "iam", "rate": 1, "burst": 1, "operation": "ListUsers"}, ["iam"], "iam"]


def test_bad_bodies_are_refused(emulator):
    for body in BAD_BODIES:
        answer = requests.post(emulator.url + "/_riposte/throttle", json=body, timeout=10)
        assert (answer.status_code, bool(answer.json()["error"])) == (400, True), body
    answer = requests.post(emulator.url + "/_riposte/throttle", data=b"{not json", timeout=10)
    assert answer.status_code == 400
    assert emulator.get("/_riposte/throttle") == {"throttle": [], "counts": []}
    assert throttle(emulator, service="iam", rate=100_000, burst=1)["throttle"][0]["rate"] == 100_000


def test_concurrent_calls_share_the_bucket_exactly(emulator):
    s3 = once(emulator, "s3")
    warm(s3.list_buckets)
    throttle(emulator, service="s3", rate=0.1, burst=5)
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda _: outcomes(s3.list_buckets, 1)[0], range(16)))
    assert results.count(None) == 5 and results.count(("SlowDown", 503)) == 11
    assert len(emulator.get("/_riposte/calls", throttled="SlowDown")["calls"]) == 11


def test_delete_and_reset_clear_settings_and_counts(emulator):
    s3 = once(emulator, "s3")
    warm(s3.list_buckets)
    throttle(emulator, service="s3", rate=0.2, burst=1)
    assert outcomes(s3.list_buckets, 2) == [None, ("SlowDown", 503)]
    assert emulator.delete("/_riposte/throttle") == {"cleared": 1}
    assert emulator.get("/_riposte/throttle") == {"throttle": [], "counts": []}
    s3.list_buckets()
    throttle(emulator, service="s3", rate=0.2, burst=1)
    assert outcomes(s3.list_buckets, 2) == [None, ("SlowDown", 503)]
    emulator.reset()
    assert emulator.get("/_riposte/throttle") == {"throttle": [], "counts": []}
    assert outcomes(s3.list_buckets, 3) == [None] * 3
