"""The emulator's own records: the Imported events Security Hub would emit, every AWS call, and rotations.

Kept outside moto's backends so that moto's reset does not need to know about them; the recorder middleware
clears them on `POST /moto-api/reset`.
"""

import copy
import threading
import uuid
from datetime import datetime, timezone
from typing import Any


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def iso_millis(when: datetime) -> str:
    """ASFF timestamp style: 2024-01-02T03:04:05.678Z."""
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def iso_seconds(when: datetime) -> str:
    """EventBridge envelope style: 2024-01-02T03:04:05Z."""
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


class Journal:
    """Append-only lists guarded by one lock (the server is threaded)."""

    KINDS = ("events", "calls", "rotations")

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._lists: dict[str, list[dict[str, Any]]] = {kind: [] for kind in self.KINDS}

    def append(self, kind: str, record: dict[str, Any]) -> None:
        with self._lock:
            self._lists[kind].append(record)

    def snapshot(self, kind: str) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._lists[kind])

    def clear(self, *kinds: str) -> None:
        with self._lock:
            for kind in kinds or self.KINDS:
                self._lists[kind].clear()


JOURNAL = Journal()


def record_imported_event(account_id: str, region: str, finding: dict[str, Any]) -> None:
    """Append the "Security Hub Findings - Imported" envelope the real service emits for one finding."""
    JOURNAL.append(
        "events",
        {
            "version": "0",
            "id": str(uuid.uuid4()),
            "detail-type": "Security Hub Findings - Imported",
            "source": "aws.securityhub",
            "account": account_id,
            "time": iso_seconds(utc_now()),
            "region": region,
            "resources": [f"{finding.get('ProductArn')}/{finding.get('Id')}"],
            "detail": {"findings": [copy.deepcopy(finding)]},
        },
    )
