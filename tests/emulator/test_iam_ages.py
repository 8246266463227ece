"""Credential ages: the login profile's own creation date, and the control endpoint that ages credentials."""

from datetime import datetime, timedelta, timezone

import requests


def age(emulator, account, user, days):
    answer = requests.post(f"{emulator.url}/_riposte/iam/age", timeout=10,
                           json={"account_id": account, "user_name": user, "days": days})
    answer.raise_for_status()
    return answer.json()


def test_aged_credentials_read_back_old_and_unused(emulator):
    iam = emulator.client("iam")
    iam.create_user(UserName="dormant")
    key = iam.create_access_key(UserName="dormant")["AccessKey"]["AccessKeyId"]
    iam.create_login_profile(UserName="dormant", Password="Emulator-only-0001!")
    iam.create_user(UserName="active")
    account = iam.get_user(UserName="dormant")["User"]["Arn"].split(":")[4]
    assert age(emulator, account, "dormant", 100) == {"user_name": "dormant", "keys": 1, "password": True,
                                                       "days": 100}
    now = datetime.now(timezone.utc)
    created = iam.list_access_keys(UserName="dormant")["AccessKeyMetadata"][0]["CreateDate"]
    assert timedelta(days=99) < now - created < timedelta(days=101)
    profile = iam.get_login_profile(UserName="dormant")["LoginProfile"]["CreateDate"]
    assert timedelta(days=99) < now - profile < timedelta(days=101)
    assert "LastUsedDate" not in iam.get_access_key_last_used(AccessKeyId=key)["AccessKeyLastUsed"]
    assert "PasswordLastUsed" not in iam.get_user(UserName="dormant")["User"]
    # Nobody else ages.
    assert now - iam.get_user(UserName="active")["User"]["CreateDate"] < timedelta(minutes=5)


def test_a_new_login_profile_is_dated_when_it_is_created_not_when_the_user_was(emulator):
    iam = emulator.client("iam")
    iam.create_user(UserName="late-console")
    iam.create_login_profile(UserName="late-console", Password="Emulator-only-0001!")
    profile = iam.get_login_profile(UserName="late-console")["LoginProfile"]
    assert datetime.now(timezone.utc) - profile["CreateDate"] < timedelta(minutes=5)


def test_aging_an_unknown_user_is_a_client_error(emulator):
    answer = requests.post(f"{emulator.url}/_riposte/iam/age", timeout=10, json={"account_id": "123456789012"})
    assert answer.status_code == 400
