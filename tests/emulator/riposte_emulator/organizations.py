"""Organizations: who may read the organization. The API reference ("Reference: API operations by account") lets
the management account and a member account that is a delegated administrator (RegisterDelegatedAdministrator
"grants read-only access to Organizations service data") call the read operations — ListAccounts,
ListAccountsForParent, ListOrganizationalUnitsForParent, ListParents, DescribeAccount — and refuses other members
with AccessDeniedException. Security Hub supports a delegated administrator ("AWS services that you can use with
Organizations"); moto 5.2.5's list of such services lacks securityhub.amazonaws.com. moto also keeps the organization in the management account's backend: a member sees
an empty organization (ListAccounts answers no account) whether delegated or not. Here a delegated administrator
reads the management account's data and another member is refused.
"""

from typing import Any

from moto.organizations.exceptions import OrganizationsClientError
from moto.organizations.models import FakeDelegatedAdministrator, OrganizationsBackend, organizations_backends

READS = ("list_accounts", "list_accounts_for_parent", "list_organizational_units_for_parent", "list_parents",
         "describe_account")


class AccessDenied(OrganizationsClientError):
    def __init__(self) -> None:
        super().__init__("AccessDeniedException", "You don't have permissions to access this resource.")


def _management(backend: OrganizationsBackend) -> OrganizationsBackend | None:
    """The management account's backend when `backend` is a member's; None for the management account."""
    if backend.org is not None or backend.account_id not in organizations_backends.master_accounts:
        return None
    master, partition = organizations_backends.master_accounts[backend.account_id]
    return organizations_backends[master][partition]


def install() -> None:
    if "securityhub.amazonaws.com" not in FakeDelegatedAdministrator.SUPPORTED_SERVICES:
        FakeDelegatedAdministrator.SUPPORTED_SERVICES.append("securityhub.amazonaws.com")
    for name in READS:
        original = getattr(OrganizationsBackend, name)

        def read(self: OrganizationsBackend, *args: Any, __name: str = name, __original: Any = original,
                 **kwargs: Any) -> Any:
            management = _management(self)
            if management is None:
                return __original(self, *args, **kwargs)
            if not any(admin.account.id == self.account_id for admin in management.admins):
                raise AccessDenied()
            return getattr(management, __name)(*args, **kwargs)

        setattr(OrganizationsBackend, name, read)
