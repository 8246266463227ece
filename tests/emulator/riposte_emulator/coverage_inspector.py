"""Amazon Inspector findings for the coverage scenario, taken from the public export
tests/fixtures/public/sh-findings-inspector-ec2-ecr.json (see SOURCES.md): every value stays as published except the
account, the region, the ids, the times and the resource, which move into workload-b. Only an AWS product may import
under `product/aws/inspector` on AWS; the emulator lets the scenario do it."""

import copy
import json
import uuid
from pathlib import Path

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "public" / "sh-findings-inspector-ec2-ecr.json"
IMAGE_REPOSITORY = "riposte-app-images"
IMAGE_DIGEST = "sha256:" + "a9" * 32


def _moved(published: dict, region: str, account: str, resource_id: str, now: str) -> dict:
    """The published finding in `account` and `region`, on `resource_id`, first seen `now`."""
    old = published["AwsAccountId"]
    text = (json.dumps(published).replace(f":{old}:", f":{account}:").replace(f'"{old}"', f'"{account}"')
            .replace(published["Region"], region))
    finding = json.loads(text)
    finding_id = f"arn:aws:inspector2:{region}:{account}:finding/{uuid.uuid4().hex}"
    finding.update({"Id": finding_id, "FirstObservedAt": now, "LastObservedAt": now, "CreatedAt": now,
                    "UpdatedAt": now})
    finding["ProductFields"]["aws/securityhub/FindingId"] = f"{finding['ProductArn']}/{finding_id}"
    finding["Resources"][0]["Id"] = resource_id
    return finding


def inspector_findings(region: str, account: str, instance: str, now: str) -> list[tuple[str, str, str, dict]]:
    """(key, playbook, resource, finding): the kernel CVE on `instance` (its Id written as Inspector writes it,
    without `instance/`), and the Go module CVE with three package entries on an ECR image."""
    kernel, go_module = (copy.deepcopy(f) for f in json.loads(FIXTURE.read_text())["Findings"])
    on_instance = _moved(kernel, region, account, f"arn:aws:ec2:{region}:{account}:{instance}", now)
    on_instance["ProductFields"]["aws/inspector/instanceId"] = instance
    image_arn = f"arn:aws:ecr:{region}:{account}:repository/{IMAGE_REPOSITORY}/{IMAGE_DIGEST}"
    on_image = _moved(go_module, region, account, image_arn, now)
    on_image["Resources"][0]["Details"]["AwsEcrContainerImage"].update(
        {"RepositoryName": IMAGE_REPOSITORY, "ImageDigest": IMAGE_DIGEST})
    return [
        ("vulnerable-instance", "vulnerability-notice", instance, on_instance),
        ("vulnerable-image", "vulnerability-notice", IMAGE_REPOSITORY, on_image),
    ]
