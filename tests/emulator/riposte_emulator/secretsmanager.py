"""RotateSecret without Lambda: moto 5.2.5 would invoke the rotation function (docker) and forgets a configured
RotationLambdaARN when a later call omits it. The stand-in behaves like a rotation function that succeeded.

- Rotation function = the request's RotationLambdaARN, else the one configured on the secret; with neither, the
  real error: InvalidRequestException "No Lambda rotation function ARN is associated with this secret."
- RotateImmediately true (default): a new version (new random value, JSON objects keep their keys) becomes
  AWSCURRENT, the old one AWSPREVIOUS; no AWSPENDING remains. RotateImmediately false: only the configuration
  is stored (the real service would run testSecret only and rotate in the next window).
- Both: RotationEnabled true, RotationLambdaARN/RotationRules stored, LastRotatedDate set (real AWS sets it only
  after an actual rotation; so does the stand-in). The rotation is appended to GET /_riposte/rotations.
"""

import json
import secrets as random_source
import string
import time
import uuid
from typing import Any

from moto.secretsmanager.exceptions import (
    InvalidParameterException,
    InvalidRequestException,
    SecretNotFoundException,
)
from moto.secretsmanager.models import ReplicaSecret, SecretsManagerBackend

from .journal import JOURNAL, iso_millis, utc_now

_ALPHABET = string.ascii_letters + string.digits


def _fresh(value: str | None) -> str:
    def token() -> str:
        return "".join(random_source.choice(_ALPHABET) for _ in range(32))

    try:
        parsed = json.loads(value) if value else None
    except ValueError:
        parsed = None
    if isinstance(parsed, dict):
        return json.dumps({k: token() if isinstance(v, str) else v for k, v in parsed.items()})
    return token()


def rotate_secret(
    self: SecretsManagerBackend,
    secret_id: str,
    client_request_token: str | None = None,
    rotation_lambda_arn: str | None = None,
    rotation_rules: dict[str, Any] | None = None,
    rotate_immediately: bool = True,
) -> str:
    if not self._is_valid_identifier(secret_id):
        raise SecretNotFoundException()
    secret = self.secrets[secret_id]
    if isinstance(secret, ReplicaSecret):
        raise InvalidRequestException("Operation is not permitted on a replica secret.")
    if secret.is_deleted():
        raise InvalidRequestException(
            "You tried to perform the operation on a secret that's currently marked deleted."
        )
    lambda_arn = rotation_lambda_arn or secret.rotation_lambda_arn
    if not lambda_arn:
        raise InvalidRequestException("No Lambda rotation function ARN is associated with this secret.")
    days = (rotation_rules or {}).get("AutomaticallyAfterDays")
    if days is not None and not 1 <= int(days) <= 1000:
        raise InvalidParameterException("RotationRules.AutomaticallyAfterDays must be within 1-1000.")

    secret.rotation_lambda_arn = lambda_arn
    secret.rotation_requested = True
    secret.rotation_enabled = True
    if days is not None:
        secret.auto_rotate_after_days = int(days)
        secret.next_rotation_date = int(time.time()) + int(days) * 86400
    version_id = None
    if rotate_immediately:
        version_id = client_request_token or str(uuid.uuid4())
        secret.remove_version_stages_from_old_versions(["AWSPENDING"])
        new_value = _fresh(secret.secret_string)
        secret.reset_default_version(
            {"createdate": int(time.time()), "version_id": version_id, "version_stages": ["AWSCURRENT"],
             "secret_string": new_value}, version_id)
        secret.secret_string = new_value
        secret.last_rotation_date = int(time.time())
        JOURNAL.append("rotations", {
            "account_id": self.account_id, "region": self.region_name, "secret_arn": secret.arn,
            "name": secret.name, "version_id": version_id, "rotation_lambda_arn": lambda_arn,
            "time": iso_millis(utc_now()),
        })
    return json.dumps({"ARN": secret.arn, "Name": secret.name, **({"VersionId": version_id} if version_id else {})})


def install() -> None:
    SecretsManagerBackend.rotate_secret = rotate_secret
