"""Riposte's local AWS emulator: moto 5.2.5 plus the Security Hub, STS, Secrets Manager, S3, EC2, IAM and DynamoDB behaviour it lacks."""

_installed = False


def install() -> None:
    """Patch moto once, before the first request reaches a backend (the URL map is built lazily)."""
    global _installed
    if _installed:
        return
    from . import dynamodb, ec2, iam, iam_ages, organizations, s3, secretsmanager, securityhub, sts

    securityhub.install()
    iam.install()
    sts.install()
    secretsmanager.install()
    s3.install()
    ec2.install()
    iam_ages.install()
    dynamodb.install()
    organizations.install()
    from . import pending  # RDS/Redshift pending modifications; moto's behaviour until switched on

    pending.install()
    _installed = True
