"""Organizations reads by members as the API reference documents them (riposte_emulator/organizations.py)."""

import pytest
from botocore.exceptions import ClientError


def organization(emulator):
    orgs = emulator.client("organizations")
    orgs.create_organization(FeatureSet="ALL")
    ids = {}
    for name in ("security", "workload"):
        request = orgs.create_account(Email=f"{name}@example.com", AccountName=name)["CreateAccountStatus"]
        ids[name] = orgs.describe_create_account_status(
            CreateAccountRequestId=request["Id"])["CreateAccountStatus"]["AccountId"]
    return orgs, ids


def test_a_delegated_administrator_reads_the_organization(emulator):
    orgs, ids = organization(emulator)
    orgs.register_delegated_administrator(AccountId=ids["security"], ServicePrincipal="securityhub.amazonaws.com")
    member = emulator.client("organizations", account=ids["security"])
    listed = {a["Name"] for a in member.list_accounts()["Accounts"]}
    assert {"security", "workload"} <= listed
    root = orgs.list_roots()["Roots"][0]["Id"]
    assert {a["Id"] for a in member.list_accounts_for_parent(ParentId=root)["Accounts"]} >= set(ids.values())


def test_another_member_is_refused(emulator):
    _, ids = organization(emulator)
    member = emulator.client("organizations", account=ids["workload"])
    with pytest.raises(ClientError) as denied:
        member.list_accounts()
    assert denied.value.response["Error"]["Code"] == "AccessDeniedException"
