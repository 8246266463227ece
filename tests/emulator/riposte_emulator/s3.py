"""S3 checks moto does not make: `x-amz-expected-bucket-owner` (ExpectedBucketOwner) is compared with the account
that owns the bucket, and a mismatch is refused like real S3 (403 AccessDenied). Path-style requests only, which
is what clients must use against the emulator anyway. Cross-account access is refused by moto itself once
MOTO_S3_ALLOW_CROSSACCOUNT_ACCESS=false (the server sets that default).
"""

import uuid
from typing import Callable, Iterable

from moto.s3.models import s3_backends

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
