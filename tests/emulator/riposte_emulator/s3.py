"""S3 checks moto does not make:

- `x-amz-expected-bucket-owner` (ExpectedBucketOwner) is compared with the account that owns the bucket, and a
  mismatch is refused like real S3 (403 AccessDenied). Path-style requests only, which is what clients must use
  against the emulator anyway. Cross-account access is refused by moto itself once
  MOTO_S3_ALLOW_CROSSACCOUNT_ACCESS=false (the server sets that default).
- GetBucketPolicyStatus judges the policy by S3's rules (`s3_public.py`) instead of moto's "any Condition makes it
  private".
- GetBucketAcl and GetObjectAcl return the effective ACL: with IgnorePublicAcls on (bucket or account Block Public
  Access) the AllUsers/AuthenticatedUsers grants are left out of the answer, not out of the stored ACL.
"""

import uuid
from typing import Any, Callable, Iterable

from moto.s3 import responses
from moto.s3.models import FakeAcl, FakeGrant, s3_backends
from moto.s3control.models import s3control_backends

from .s3_public import grantee_is_public, policy_is_public

EXPECTED_OWNER = "HTTP_X_AMZ_EXPECTED_BUCKET_OWNER"


def _bucket_owner(environ: dict) -> str | None:
    bucket = environ.get("PATH_INFO", "/").lstrip("/").split("/", 1)[0]
    placement = s3_backends.bucket_accounts.get(bucket) if bucket else None
    return placement[1] if placement else None


def _access_denied(start_response: Callable) -> list[bytes]:
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>Access Denied</Message>'
        f"<RequestId>{uuid.uuid4().hex[:16].upper()}</RequestId><HostId>riposte-emulator</HostId></Error>"
    ).encode()
    start_response("403 Forbidden", [("Content-Type", "application/xml"), ("Content-Length", str(len(body)))])
    return [body]


class ExpectedBucketOwnerCheck:
    """WSGI middleware; only S3 requests (SigV4 scope .../s3/aws4_request) carry the header."""

    def __init__(self, app: Callable) -> None:
        self.app = app

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        expected = environ.get(EXPECTED_OWNER)
        if expected:
            owner = _bucket_owner(environ)
            if owner is not None and owner != expected.strip():
                return _access_denied(start_response)
        return self.app(environ, start_response)


def _ignores_public_acls(backend: Any, bucket_name: str) -> bool:
    """Bucket and account settings combine to the most restrictive, as S3 applies them."""
    bucket = backend.get_bucket(bucket_name)
    account = s3control_backends[bucket.account_id][bucket.partition].public_access_block
    return any(block is not None and block.ignore_public_acls for block in (bucket.public_access_block, account))


def install() -> None:
    responses.bucket_policy_is_public = policy_is_public  # the name GetBucketPolicyStatus calls
    render = responses.S3Response._acl_to_dict  # a staticmethod; both ACL reads go through it

    def effective_acl_to_dict(self: Any, acl: FakeAcl | None) -> dict:
        # One grant per (grantee, permission), as S3 lists them; moto would show only the first grantee of a grant
        # built from `x-amz-grant-*: uri=…, id=…`.
        grants = [FakeGrant([grantee], [permission]) for grant in (acl.grants if acl else [])
                  for grantee in grant.grantees for permission in grant.permissions]
        if _ignores_public_acls(self.backend, self.bucket_name):
            grants = [grant for grant in grants if not grantee_is_public(grant.grantees[0].uri)]
        return render(FakeAcl(grants))

    responses.S3Response._acl_to_dict = effective_acl_to_dict
