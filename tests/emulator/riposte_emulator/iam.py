"""IAM fix: moto 5.2.5 stores inline policies that CloudFormation creates (AWS::IAM::Role `Policies`, ...) as
Python dicts and later renders them with str(), so GetRolePolicy returns `{'Version': ...}` instead of JSON.
Store every inline policy document as JSON text, as the API does."""

import json
from typing import Any

from moto.iam.models import Group, Role, User


def _json_documents(cls: type) -> None:
    original = cls.put_policy

    def put_policy(self: Any, policy_name: str, policy_json: Any) -> None:
        if not isinstance(policy_json, str):
            policy_json = json.dumps(policy_json)
        original(self, policy_name, policy_json)

    cls.put_policy = put_policy


def install() -> None:
    for cls in (Role, User, Group):
        _json_documents(cls)
