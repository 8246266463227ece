"""IAM credential ages, as the API reports them, and a way to make them old.

moto 5.2.5 answers GetLoginProfile with the *user's* creation date (IAM gives the login profile's own) and has no
way to age a credential: keys and passwords are always created "now", and PasswordLastUsed is never set. Unused-
credential rules (IAM.8: 90 days, IAM.22: 45 days) cannot be tested against that. So:

- the login profile keeps its own creation date, which GetLoginProfile returns;
- POST /_riposte/iam/age {"account_id", "user_name", "days"} moves the user's access keys' and login profile's
  creation dates `days` into the past and clears their last use (never used since), like a credential created
  then and left alone. A control endpoint of the emulator, not AWS.
"""

from datetime import timedelta
from typing import Any

from moto.core.utils import utcnow
from moto.iam.models import IAMBackend, iam_backends
from moto.iam.responses import IamResponse
from moto.core.responses import ActionResult


def install() -> None:
    create = IAMBackend.create_login_profile

    def create_login_profile(self: Any, user_name: str, password: str) -> Any:
        user = create(self, user_name, password)
        user.login_profile_created = utcnow()
        return user

    IAMBackend.create_login_profile = create_login_profile

    def get_login_profile(self: Any) -> ActionResult:
        user = self.backend.get_login_profile(self._get_param("UserName"))
        return ActionResult({"LoginProfile": {
            "UserName": user.name,
            "CreateDate": getattr(user, "login_profile_created", user.create_date),
            "PasswordResetRequired": user.password_reset_required,
        }})

    IamResponse.get_login_profile = get_login_profile


def age(body: dict) -> dict:
    """Make one user's credentials `days` old and unused since."""
    account, name, days = body["account_id"], body["user_name"], int(body["days"])
    user = iam_backends[account]["global"].get_user(name)
    then = utcnow() - timedelta(days=days)
    for key in user.access_keys:
        key.create_date = then
        key.last_used = None
    if user.password:
        user.login_profile_created = then
        user.password_last_used = None
    return {"user_name": name, "keys": len(user.access_keys), "password": bool(user.password), "days": days}
