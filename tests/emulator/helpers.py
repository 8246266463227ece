"""Test helpers: a thin handle on a running emulator, error unpacking and a minimal ASFF finding."""

import uuid

import boto3
import requests
from botocore.config import Config

REGION = "us-east-1"
DEFAULT_ACCOUNT = "123456789012"  # moto's account for access keys it does not know
FAKE_KEYS = {"access_key_id": "AKIAEMULATORTEST0001", "secret_access_key": "not-a-secret"}


class Emulator:
    def __init__(self, url: str) -> None:
        self.url = url

    def client(self, service: str, account: str | None = None, creds: dict | None = None, region: str = REGION,
               validate: bool = True):
        """A boto3 client; `account` selects the account through moto's x-moto-account-id header (set-up only);
        validate=False sends what botocore would refuse, to reach the emulator's own validation."""
        creds = creds or FAKE_KEYS
        client = boto3.client(
            service, endpoint_url=self.url, region_name=region,
            aws_access_key_id=creds["access_key_id"], aws_secret_access_key=creds["secret_access_key"],
            aws_session_token=creds.get("session_token"),
            config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}, parameter_validation=validate),
        )
        if account:
            client.meta.events.register(
                "before-sign.*.*", lambda request, **_: request.headers.__setitem__("x-moto-account-id", account))
        return client

    def get(self, path: str, **params) -> dict:
        answer = requests.get(self.url + path, params=params, timeout=10)
        answer.raise_for_status()
        return answer.json()

    def delete(self, path: str) -> dict:
        answer = requests.delete(self.url + path, timeout=10)
        answer.raise_for_status()
        return answer.json()

    def reset(self) -> None:
        # Resetting after the scenario re-creates the IAM backend of every account and partition seen (~40), each
        # loading ~1,200 AWS-managed policies: 10-15 s on a busy 2-core machine.
        requests.post(self.url + "/moto-api/reset", timeout=60).raise_for_status()


def error_of(excinfo) -> tuple[str, int, dict]:
    """(code, HTTP status, parsed error) of a botocore ClientError."""
    response = excinfo.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]


def finding(account: str = "111111111111", region: str = REGION, **overrides) -> dict:
    """A small control finding with every field BatchImportFindings requires."""
    finding_id = f"arn:aws:securityhub:{region}:{account}:security-control/S3.8/finding/{uuid.uuid4()}"
    base = {
        "SchemaVersion": "2018-10-08", "Id": finding_id,
        "ProductArn": f"arn:aws:securityhub:{region}::product/aws/securityhub",
        "GeneratorId": "security-control/S3.8", "AwsAccountId": account, "Region": region,
        "Types": ["Software and Configuration Checks/Industry and Regulatory Standards"],
        "CreatedAt": "2024-05-01T10:00:00.000Z", "UpdatedAt": "2024-05-01T10:00:00.000Z",
        "Severity": {"Label": "HIGH", "Normalized": 70}, "Title": "S3.8", "Description": "public bucket",
        "Resources": [{"Type": "AwsS3Bucket", "Id": "arn:aws:s3:::bucket-one", "Region": region}],
        "Compliance": {"Status": "FAILED", "SecurityControlId": "S3.8"},
    }
    base.update(overrides)
    return base


def ident(f: dict) -> dict:
    return {"Id": f["Id"], "ProductArn": f["ProductArn"]}
