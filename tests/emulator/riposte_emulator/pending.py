"""The pending switch: RDS ModifyDBInstance and Redshift ModifyCluster leave changes pending, as AWS does.

moto 5.2.5 applies every modification at once, whatever ApplyImmediately says, and never shows
PendingModifiedValues. Switched on (RIPOSTE_EMULATOR_PENDING=1 for the process, or `POST /_riposte/pending
{"on": true, "redshift_ms"?: N}`; OFF by default):

RDS (ModifyDBInstance). The API reference (botocore rds/2014-10-31 service-2.json) says of ApplyImmediately:
"Specifies whether the modifications in this request and any pending modifications are asynchronously applied as
soon as possible [...]. If this parameter is disabled, changes to the DB instance are applied during the next
maintenance window." The RDS User Guide ("Using the schedule modifications setting"): "If you don't choose to
apply changes immediately, RDS puts the changes into the pending modifications queue. [...] If you choose to apply
changes immediately, your new changes and any changes in the pending modifications queue are applied." So:
- ApplyImmediately false: a setting in RDS_DEFERRED is queued, shown under PendingModifiedValues by
  DescribeDBInstances (and the ModifyDBInstance answer), and NOT applied. RDS_DEFERRED holds the parameters whose
  reference text says they wait for the maintenance window: DBInstanceClass ("The change is applied during the
  next maintenance window, unless you specify ApplyImmediately"), DBSubnetGroupName (same words), MultiAZ,
  EngineVersion, Iops ("applied during the next maintenance window unless the ApplyImmediately parameter is
  enabled"), BackupRetentionPeriod only between 0 and non-zero ("If you change the parameter from one non-zero
  value to another non-zero value, the change is asynchronously applied as soon as possible"),
  NewDBInstanceIdentifier ("an instance reboot occurs immediately if you enable ApplyImmediately, or will occur
  during the next maintenance window"; shown as PendingModifiedValues.DBInstanceIdentifier), and AllocatedStorage
  (earlier editions of the reference: "applied during the next maintenance window unless the ApplyImmediately
  parameter is set to true"). Every other setting is applied at once, notably the ones documented so regardless of
  ApplyImmediately: PubliclyAccessible ("Changes to the PubliclyAccessible parameter are applied immediately
  regardless of the value of the ApplyImmediately parameter"), CloudwatchLogsExportConfiguration ("always applied
  to the DB instance immediately"), DBPortNumber (restarts "regardless of the value of the ApplyImmediately
  parameter"), and the "asynchronously applied as soon as possible" ones (MasterUserPassword, DBSecurityGroups,
  PreferredBackupWindow, PreferredMaintenanceWindow, AllowMajorVersionUpgrade, AutoMinorVersionUpgrade).
- ApplyImmediately true: the request AND everything queued is applied (the request wins on a common key); the
  queue empties. Queued settings the caller did not send are logged as "flushed" (GET /_riposte/pending).
- The maintenance window is `POST /_riposte/pending/apply`: every queued change is applied.

Redshift (ModifyCluster) has no ApplyImmediately. PendingModifiedValues "Describes cluster attributes that are in
a pending state. A change to one or more the attributes was requested and is in progress or will be applied."; its
members are MasterUserPassword ("Between the time of the request and the completion of the request, the
MasterUserPassword element exists in the PendingModifiedValues element"), NodeType, NumberOfNodes, ClusterType
(a resize: "your existing cluster goes into a read-only mode. After Amazon Redshift provisions a new cluster [...]
there will be outage"), ClusterVersion, AutomatedSnapshotRetentionPeriod, ClusterIdentifier
(NewClusterIdentifier), PubliclyAccessible, EnhancedVpcRouting, EncryptionType (Encrypted). So a ModifyCluster
changing any of those leaves them under PendingModifiedValues, unapplied, with ClusterStatus "modifying", for
`redshift_ms` (default 2000; -1: until `POST /_riposte/pending/apply`); the rest of the request (security groups:
"asynchronously applied as soon as possible", PreferredMaintenanceWindow: "made immediately", ...) is applied at
once. While a modification is in progress a further ModifyCluster is refused with 400 InvalidClusterState, "The
Cluster is being modified by a concurrent operation. Please check the Cluster's status and try again." (the answer
AWS gives, e.g. terraform-aws-modules/terraform-aws-redshift#65; ansible/ansible#52940 shows the same fault).

RIPOSTE_EMULATOR_PENDING=seed also queues a change on every DB instance and cluster created while on (RDS: a
pending DBInstanceClass; Redshift: a resize to one more node that waits for /apply), so that a whole run shows
which playbook flushes or trips over someone else's pending change; RIPOSTE_EMULATOR_PENDING_LOG=PATH appends each
flush and each refused ModifyCluster to PATH as JSON lines.
"""

import json
import os
import threading
import time
from typing import Any

from .journal import iso_millis, utc_now

ENV = "RIPOSTE_EMULATOR_PENDING"
ENV_REDSHIFT_MS = "RIPOSTE_EMULATOR_PENDING_REDSHIFT_MS"
ENV_LOG = "RIPOSTE_EMULATOR_PENDING_LOG"
DEFAULT_REDSHIFT_MS = 2000
MAX_REDSHIFT_MS = 600_000
PENDING = "_riposte_pending"  # attribute on a moto DBInstance / Cluster: {snake_case parameter: value}
DUE = "_riposte_pending_due"  # Cluster: monotonic time the modification completes, None: at /apply

# ModifyDBInstance parameter (moto's snake_case) -> PendingModifiedValues member.
RDS_DEFERRED = {"db_instance_class": "DBInstanceClass", "db_subnet_group_name": "DBSubnetGroupName",
                "multi_az": "MultiAZ", "engine_version": "EngineVersion", "iops": "Iops",
                "backup_retention_period": "BackupRetentionPeriod", "allocated_storage": "AllocatedStorage",
                "new_db_instance_identifier": "DBInstanceIdentifier"}
# ModifyCluster parameter (moto's snake_case) -> PendingModifiedValues member.
REDSHIFT_PENDING = {"node_type": "NodeType", "number_of_nodes": "NumberOfNodes", "cluster_type": "ClusterType",
                    "cluster_version": "ClusterVersion",
                    "automated_snapshot_retention_period": "AutomatedSnapshotRetentionPeriod",
                    "new_cluster_identifier": "ClusterIdentifier", "publicly_accessible": "PubliclyAccessible",
                    "enhanced_vpc_routing": "EnhancedVpcRouting", "master_user_password": "MasterUserPassword",
                    "encrypted": "EncryptionType"}
CONCURRENT = ("The Cluster is being modified by a concurrent operation. Please check the Cluster's status and try "
              "again.")


class PendingError(ValueError):
    """A posted setting the switch refuses (answered 400)."""


def _env_default() -> dict[str, Any]:
    raw = os.environ.get(ENV, "").strip().lower()
    try:
        ms = int(os.environ.get(ENV_REDSHIFT_MS, "").strip() or DEFAULT_REDSHIFT_MS)
    except ValueError:
        ms = DEFAULT_REDSHIFT_MS
    return {"on": raw not in ("", "0", "false", "off", "no"), "seed": raw == "seed",
            "redshift_ms": ms if -1 <= ms <= MAX_REDSHIFT_MS else DEFAULT_REDSHIFT_MS}


class Switch:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.settings = _env_default()
        self.flushed: list[dict[str, Any]] = []

    def reset(self) -> None:
        with self.lock:
            self.settings = _env_default()
            self.flushed.clear()

    @property
    def on(self) -> bool:
        return bool(self.settings["on"])

    def log(self, record: dict[str, Any]) -> None:
        record = dict(record, time=iso_millis(utc_now()))
        with self.lock:
            self.flushed.append(record)
        path = os.environ.get(ENV_LOG)
        if path:
            try:
                with open(path, "a", encoding="utf-8") as out:
                    out.write(json.dumps(record, default=str) + "\n")
            except OSError:
                pass


SWITCH = Switch()


def parse(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise PendingError('pending is a JSON object {"on": bool, "redshift_ms"?: N, "seed"?: bool}')
    unknown = sorted(set(body) - {"on", "redshift_ms", "seed"})
    if unknown:
        raise PendingError(f"unknown field(s) {unknown}; pending has ['on', 'redshift_ms', 'seed']")
    if not isinstance(body.get("on"), bool):
        raise PendingError("on is required, true or false")
    ms = body.get("redshift_ms", DEFAULT_REDSHIFT_MS)
    if isinstance(ms, bool) or not isinstance(ms, int) or not -1 <= ms <= MAX_REDSHIFT_MS:
        raise PendingError(f"redshift_ms must be an integer -1 (until /apply) to {MAX_REDSHIFT_MS}")
    seed = body.get("seed", False)
    if not isinstance(seed, bool):
        raise PendingError("seed must be true or false")
    return {"on": body["on"], "seed": seed, "redshift_ms": ms}


# ------------------------------------------------------------------ RDS

def _rds_defers(database: Any, key: str, value: Any) -> bool:
    if key == "backup_retention_period":
        current = int(getattr(database, "backup_retention_period", 0) or 0)
        return (current == 0) != (int(value) == 0)
    current = database.db_instance_identifier if key == "new_db_instance_identifier" else getattr(database, key, None)
    return value != current


def _rds_view(self: Any) -> dict[str, Any] | None:
    pending = getattr(self, PENDING, None)
    return {RDS_DEFERRED[k]: v for k, v in pending.items()} if pending else None


def _install_rds() -> None:
    from moto.rds.models import DBInstance, RDSBackend

    original = RDSBackend.modify_db_instance
    original_create = RDSBackend.create_db_instance

    def modify_db_instance(self: Any, db_instance_identifier: str, db_kwargs: Any) -> Any:
        if not SWITCH.on:
            return original(self, db_instance_identifier, db_kwargs)
        database = self.describe_db_instances(db_instance_identifier)[0]
        kwargs = {key: db_kwargs[key] for key in db_kwargs}  # moto's snake_case keys
        queued = dict(getattr(database, PENDING, None) or {})
        if kwargs.get("apply_immediately"):
            flushed = {k: v for k, v in queued.items() if k not in kwargs}
            result = original(self, db_instance_identifier, {**queued, **kwargs})
            setattr(result, PENDING, {})
            if flushed:
                SWITCH.log({"service": "rds", "event": "flushed", "account_id": getattr(result, "account_id", None),
                            "region": getattr(result, "region", None), "resource": db_instance_identifier,
                            "applied": {RDS_DEFERRED[k]: v for k, v in flushed.items()},
                            "request": sorted(k for k in kwargs if kwargs[k] is not None)})
            return result
        deferred = {k: v for k, v in kwargs.items()
                    if k in RDS_DEFERRED and v is not None and _rds_defers(database, k, v)}
        for key in RDS_DEFERRED:  # a deferred request back to the current value drops the queued one
            if key in kwargs and kwargs[key] is not None and key not in deferred:
                queued.pop(key, None)
        now = {k: v for k, v in kwargs.items() if k not in deferred and k != "new_db_instance_identifier"}
        result = original(self, db_instance_identifier, now)
        setattr(result, PENDING, {**queued, **deferred})
        return result

    def create_db_instance(self: Any, db_kwargs: Any) -> Any:
        database = original_create(self, db_kwargs)
        if SWITCH.on and SWITCH.settings.get("seed"):
            current = getattr(database, "db_instance_class", None)
            setattr(database, PENDING, {"db_instance_class": "db.r5.xlarge" if current != "db.r5.xlarge"
                                        else "db.r5.2xlarge"})
        return database

    global _original_rds_modify
    _original_rds_modify = original
    RDSBackend.modify_db_instance = modify_db_instance
    RDSBackend.create_db_instance = create_db_instance
    DBInstance.pending_modified_values = property(_rds_view)


def apply_rds(backend: Any) -> list[dict[str, Any]]:
    """The maintenance window: apply every queued change of one RDS backend."""
    done = []
    for identifier, database in list(backend.databases.items()):
        queued = getattr(database, PENDING, None)
        if not queued:
            continue
        setattr(database, PENDING, {})
        _original_rds_modify(backend, identifier, {**queued, "db_instance_identifier": identifier})
        done.append({"service": "rds", "resource": identifier,
                     "applied": {RDS_DEFERRED[k]: v for k, v in queued.items()}})
    return done


_original_rds_modify: Any = None


# ------------------------------------------------------------------ Redshift

def _redshift_value(key: str, value: Any) -> Any:
    if key == "master_user_password":
        return "****"
    if key == "encrypted":
        return "KMS" if str(value).lower() == "true" else "None"
    if key in ("publicly_accessible", "enhanced_vpc_routing") and isinstance(value, str):
        return value.lower() == "true"
    if key in ("number_of_nodes", "automated_snapshot_retention_period"):
        return int(value)
    return value


def _redshift_view(self: Any) -> Any:
    pending = getattr(self, PENDING, None)
    if not pending:
        return []  # moto's own answer: nothing pending
    return {REDSHIFT_PENDING[k]: _redshift_value(k, v) for k, v in pending.items()}


def _install_redshift() -> None:
    from moto.redshift.exceptions import RedshiftClientError
    from moto.redshift.models import Cluster, RedshiftBackend

    original_modify = RedshiftBackend.modify_cluster
    original_describe = RedshiftBackend.describe_clusters
    original_create = RedshiftBackend.create_cluster

    def complete(backend: Any, everything: bool = False) -> list[dict[str, Any]]:
        done = []
        now = time.monotonic()
        for cluster in list(backend.clusters.values()):
            queued = getattr(cluster, PENDING, None)
            due = getattr(cluster, DUE, None)
            if not queued or not (everything or (due is not None and due <= now)):
                continue
            setattr(cluster, PENDING, {})
            setattr(cluster, DUE, None)
            cluster.status = "available"
            identifier = cluster.cluster_identifier
            original_modify(backend, cluster_identifier=identifier, **queued)
            done.append({"service": "redshift", "resource": identifier,
                         "applied": {REDSHIFT_PENDING[k]: _redshift_value(k, v) for k, v in queued.items()}})
        return done

    def describe_clusters(self: Any, cluster_identifier: str | None = None, *args: Any, **kwargs: Any) -> Any:
        with SWITCH.lock:
            complete(self)
        return original_describe(self, cluster_identifier, *args, **kwargs)

    def modify_cluster(self: Any, **cluster_kwargs: Any) -> Any:
        if not SWITCH.on:
            return original_modify(self, **cluster_kwargs)
        with SWITCH.lock:
            complete(self)
            identifier = cluster_kwargs["cluster_identifier"]
            cluster = original_describe(self, identifier)[0]
            if getattr(cluster, PENDING, None):
                SWITCH.log({"service": "redshift", "event": "refused", "account_id": self.account_id,
                            "region": self.region_name, "resource": identifier,
                            "pending": _redshift_view(cluster),
                            "request": sorted(k for k in cluster_kwargs if k != "cluster_identifier")})
                raise RedshiftClientError("InvalidClusterState", CONCURRENT)
            cluster_type = cluster_kwargs.get("cluster_type")  # moto's own checks, before anything is queued
            if cluster_type and cluster_type not in ("multi-node", "single-node"):
                return original_modify(self, **cluster_kwargs)  # raises moto's InvalidParameterValue
            if cluster_type == "multi-node" and int(cluster_kwargs.get("number_of_nodes", 0)) < 2:
                return original_modify(self, **cluster_kwargs)  # raises InvalidParameterCombination
            if cluster_type == "single-node":
                cluster_kwargs["number_of_nodes"] = 1
            queued = {k: v for k, v in cluster_kwargs.items() if k in REDSHIFT_PENDING}
            now = {k: v for k, v in cluster_kwargs.items() if k not in REDSHIFT_PENDING}
            result = original_modify(self, **now)
            if queued:
                ms = SWITCH.settings["redshift_ms"]
                setattr(result, PENDING, queued)
                setattr(result, DUE, None if ms < 0 else time.monotonic() + ms / 1000)
                result.status = "modifying"
            return result

    def create_cluster(self: Any, **cluster_kwargs: Any) -> Any:
        cluster = original_create(self, **cluster_kwargs)
        if SWITCH.on and SWITCH.settings.get("seed"):
            setattr(cluster, PENDING, {"number_of_nodes": int(cluster.number_of_nodes) + 1})
            setattr(cluster, DUE, None)
            cluster.status = "resizing"
        return cluster

    RedshiftBackend.modify_cluster = modify_cluster
    RedshiftBackend.describe_clusters = describe_clusters
    RedshiftBackend.create_cluster = create_cluster
    Cluster.pending_modified_values = property(_redshift_view)
    global _complete_redshift
    _complete_redshift = complete


_complete_redshift: Any = None


def _backends(backend_dict: Any) -> list[Any]:
    """The backends moto has created (without creating the others)."""
    return [backend for per_account in list(dict.values(backend_dict))
            for backend in list(dict.values(per_account))]


def apply_all() -> list[dict[str, Any]]:
    """POST /_riposte/pending/apply: the maintenance window and the end of every Redshift modification."""
    from moto.rds.models import rds_backends
    from moto.redshift.models import redshift_backends

    with SWITCH.lock:
        done = [item for backend in _backends(rds_backends) for item in apply_rds(backend)]
        done += [item for backend in _backends(redshift_backends) for item in _complete_redshift(backend, True)]
    return done


def queued() -> list[dict[str, Any]]:
    """Every change now pending, RDS and Redshift."""
    from moto.rds.models import rds_backends
    from moto.redshift.models import redshift_backends

    out = []
    for backend in _backends(rds_backends):
        for identifier, database in list(backend.databases.items()):
            if getattr(database, PENDING, None):
                out.append({"service": "rds", "account_id": backend.account_id, "region": backend.region_name,
                            "resource": identifier, "pending": _rds_view(database)})
    for backend in _backends(redshift_backends):
        for identifier, cluster in list(backend.clusters.items()):
            if getattr(cluster, PENDING, None):
                out.append({"service": "redshift", "account_id": backend.account_id,
                            "region": backend.region_name, "resource": identifier,
                            "pending": _redshift_view(cluster)})
    return out


def install() -> None:
    _install_rds()
    _install_redshift()


# ------------------------------------------------------------------ control endpoint (switches.py routes it)

def control(path: str, method: str, body: Any) -> tuple[int, dict[str, Any]]:
    """/_riposte/pending: GET (settings, queued changes, flush log), POST {"on", "redshift_ms"?, "seed"?},
    DELETE (off); POST /_riposte/pending/apply (the maintenance window)."""
    if path.endswith("/apply"):
        if method != "POST":
            return 405, {"error": "use POST"}
        return 200, {"applied": apply_all()}
    if method == "GET":
        with SWITCH.lock:
            return 200, {"pending": dict(SWITCH.settings), "queued": queued(), "flushed": list(SWITCH.flushed)}
    if method == "DELETE":
        with SWITCH.lock:
            SWITCH.settings = dict(SWITCH.settings, on=False, seed=False)
            return 200, {"pending": dict(SWITCH.settings)}
    if method != "POST":
        return 405, {"error": "use GET, POST or DELETE"}
    try:
        settings = parse(body)
    except PendingError as e:
        return 400, {"error": str(e)}
    with SWITCH.lock:
        SWITCH.settings = settings
        return 200, {"pending": dict(settings)}
