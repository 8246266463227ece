"""The pending switch (riposte_emulator/pending.py): RDS ModifyDBInstance without ApplyImmediately queues the
maintenance-window settings under PendingModifiedValues, ApplyImmediately applies them with the request; Redshift
ModifyCluster leaves its pending attributes in progress; off (the default) moto applies everything at once."""

import time

import pytest
import requests
from botocore.exceptions import ClientError

from helpers import error_of


@pytest.fixture(scope="module")
def emulator(running_emulator):
    """One reset for the module (a reset costs ~1 s): the tests use names of their own."""
    running_emulator.reset()
    return running_emulator


@pytest.fixture
def pending(emulator):
    def switch(**body) -> dict:
        answer = requests.post(emulator.url + "/_riposte/pending", json={"on": True, **body}, timeout=10)
        answer.raise_for_status()
        return answer.json()["pending"]

    yield switch
    requests.delete(emulator.url + "/_riposte/pending", timeout=10).raise_for_status()


def db(rds, name: str) -> dict:
    return rds.describe_db_instances(DBInstanceIdentifier=name)["DBInstances"][0]


def create_db(rds, name: str, retention: int = 1) -> None:
    rds.create_db_instance(DBInstanceIdentifier=name, DBInstanceClass="db.t3.micro", Engine="postgres",
                           AllocatedStorage=20, MasterUsername="admin", MasterUserPassword="password123",
                           PubliclyAccessible=True, BackupRetentionPeriod=retention)


def test_rds_queues_without_apply_immediately_and_applies_with_it(emulator, pending):
    rds = emulator.client("rds")
    create_db(rds, "reports")
    pending()
    answer = rds.modify_db_instance(DBInstanceIdentifier="reports", DBInstanceClass="db.m5.large",
                                    ApplyImmediately=False)["DBInstance"]
    assert answer["PendingModifiedValues"] == {"DBInstanceClass": "db.m5.large"}
    assert (db(rds, "reports")["DBInstanceClass"], db(rds, "reports")["PendingModifiedValues"]) == (
        "db.t3.micro", {"DBInstanceClass": "db.m5.large"})
    # PubliclyAccessible is applied at once whatever ApplyImmediately says; the queue stays.
    rds.modify_db_instance(DBInstanceIdentifier="reports", PubliclyAccessible=False, ApplyImmediately=False)
    now = db(rds, "reports")
    assert (now["PubliclyAccessible"], now["DBInstanceClass"], now["PendingModifiedValues"]) == (
        False, "db.t3.micro", {"DBInstanceClass": "db.m5.large"})
    # ApplyImmediately on another field applies it and everything queued.
    rds.modify_db_instance(DBInstanceIdentifier="reports", AutoMinorVersionUpgrade=False, ApplyImmediately=True)
    now = db(rds, "reports")
    assert (now["DBInstanceClass"], now["AutoMinorVersionUpgrade"], now.get("PendingModifiedValues") or {}) == (
        "db.m5.large", False, {})
    flushed = [f for f in emulator.get("/_riposte/pending")["flushed"] if f["resource"] == "reports"]
    assert [(f["resource"], f["applied"], f["request"]) for f in flushed] == [
        ("reports", {"DBInstanceClass": "db.m5.large"}, ["apply_immediately", "auto_minor_version_upgrade",
                                                         "db_instance_identifier"])]


def test_rds_backup_retention_and_the_maintenance_window(emulator, pending):
    rds = emulator.client("rds")
    create_db(rds, "nobackup", retention=0)
    create_db(rds, "backups", retention=1)
    pending()
    rds.modify_db_instance(DBInstanceIdentifier="nobackup", BackupRetentionPeriod=7, MultiAZ=True)
    rds.modify_db_instance(DBInstanceIdentifier="backups", BackupRetentionPeriod=7)  # non-zero to non-zero: at once
    assert (db(rds, "nobackup")["BackupRetentionPeriod"], db(rds, "nobackup")["PendingModifiedValues"]) == (
        0, {"BackupRetentionPeriod": 7, "MultiAZ": True})
    assert db(rds, "backups")["BackupRetentionPeriod"] == 7
    assert not db(rds, "backups").get("PendingModifiedValues")
    # A later deferred change of the same setting replaces the queued value.
    rds.modify_db_instance(DBInstanceIdentifier="nobackup", MultiAZ=False)
    assert db(rds, "nobackup")["PendingModifiedValues"] == {"BackupRetentionPeriod": 7}
    queued = emulator.get("/_riposte/pending")["queued"]
    assert [(q["service"], q["resource"], q["pending"]) for q in queued if q["resource"] in ("nobackup", "backups")] == [
        ("rds", "nobackup", {"BackupRetentionPeriod": 7})]
    applied = requests.post(emulator.url + "/_riposte/pending/apply", timeout=10).json()["applied"]
    assert {"service": "rds", "resource": "nobackup", "applied": {"BackupRetentionPeriod": 7}} in applied
    assert db(rds, "nobackup")["BackupRetentionPeriod"] == 7
    assert not db(rds, "nobackup").get("PendingModifiedValues")


def test_rds_off_applies_at_once_and_seed_queues_a_class_change(emulator, pending):
    rds = emulator.client("rds")
    create_db(rds, "plain")
    rds.modify_db_instance(DBInstanceIdentifier="plain", DBInstanceClass="db.m5.large", ApplyImmediately=False)
    assert db(rds, "plain")["DBInstanceClass"] == "db.m5.large"  # moto's own behaviour while off
    assert not db(rds, "plain").get("PendingModifiedValues")
    pending(seed=True)
    create_db(rds, "seeded")
    assert db(rds, "seeded")["PendingModifiedValues"] == {"DBInstanceClass": "db.r5.xlarge"}
    # What Riposte's RDS playbooks send: ApplyImmediately=true with their own setting only.
    rds.modify_db_instance(DBInstanceIdentifier="seeded", PubliclyAccessible=False, ApplyImmediately=True)
    assert (db(rds, "seeded")["DBInstanceClass"], db(rds, "seeded")["PubliclyAccessible"]) == ("db.r5.xlarge", False)
    assert [f["applied"] for f in emulator.get("/_riposte/pending")["flushed"] if f["resource"] == "seeded"] == [
        {"DBInstanceClass": "db.r5.xlarge"}]


def cluster(redshift, name: str) -> dict:
    return redshift.describe_clusters(ClusterIdentifier=name)["Clusters"][0]


def test_redshift_modifications_are_in_progress_until_done(emulator, pending):
    redshift = emulator.client("redshift")
    for name in ("bi", "quick"):
        redshift.create_cluster(ClusterIdentifier=name, NodeType="dc2.large", MasterUsername="admin",
                                MasterUserPassword="Password123", ClusterType="multi-node", NumberOfNodes=2,
                                PubliclyAccessible=True)
    pending(redshift_ms=-1)
    answer = redshift.modify_cluster(ClusterIdentifier="bi", PubliclyAccessible=False, NodeType="ra3.xlplus",
                                     NumberOfNodes=4, PreferredMaintenanceWindow="tue:05:00-tue:05:30")["Cluster"]
    expected = {"PubliclyAccessible": False, "NodeType": "ra3.xlplus", "NumberOfNodes": 4}
    assert answer["PendingModifiedValues"] == expected
    now = cluster(redshift, "bi")
    assert (now["PubliclyAccessible"], now["NodeType"], now["NumberOfNodes"], now["ClusterStatus"],
            now["PendingModifiedValues"], now["PreferredMaintenanceWindow"]) == (
        True, "dc2.large", 2, "modifying", expected, "tue:05:00-tue:05:30")
    with pytest.raises(ClientError) as excinfo:  # one modification at a time
        redshift.modify_cluster(ClusterIdentifier="bi", PubliclyAccessible=False)
    assert error_of(excinfo)[:2] == ("InvalidClusterState", 400)
    applied = requests.post(emulator.url + "/_riposte/pending/apply", timeout=10).json()["applied"]
    assert {"service": "redshift", "resource": "bi", "applied": expected} in applied
    now = cluster(redshift, "bi")
    assert (now["PubliclyAccessible"], now["NodeType"], now["NumberOfNodes"], now["ClusterStatus"],
            now.get("PendingModifiedValues") or {}) == (False, "ra3.xlplus", 4, "available", {})

    pending(redshift_ms=300)  # a change that completes by itself
    redshift.modify_cluster(ClusterIdentifier="quick", PubliclyAccessible=False)
    assert cluster(redshift, "quick")["PubliclyAccessible"] is True
    time.sleep(0.35)
    assert (cluster(redshift, "quick")["PubliclyAccessible"], cluster(redshift, "quick")["ClusterStatus"]) == (
        False, "available")
    for body in ({}, {"on": "yes"}, {"on": True, "redshift_ms": -2}, {"on": True, "other": 1}):
        assert requests.post(emulator.url + "/_riposte/pending", json=body, timeout=10).status_code == 400, body
