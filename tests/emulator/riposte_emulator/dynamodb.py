"""DynamoDB fix: conditional writes are atomic per item. The DynamoDB developer guide ("Condition expressions",
"Atomic counters") promises that a conditional PutItem/UpdateItem/DeleteItem evaluates its condition and writes
as one step, so concurrent writers of one item never both pass a condition only one could. moto 5.2.5 reads,
evaluates and writes without a lock, and its threaded server lets two requests interleave: Riposte's
blast-radius counter (conditional ADD under a limit) then over-grants under concurrency. One lock per backend
serialises the writes, as DynamoDB does for one item.
"""

import threading
from typing import Any

from moto.dynamodb.models import DynamoDBBackend

_lock = threading.RLock()


def install() -> None:
    for name in ("put_item", "update_item", "delete_item", "transact_write_items"):
        original = getattr(DynamoDBBackend, name)

        def locked(self: Any, *args: Any, __original: Any = original, **kwargs: Any) -> Any:
            with _lock:
                return __original(self, *args, **kwargs)

        setattr(DynamoDBBackend, name, locked)
