"""Customer-managed KMS keys with an explicit key policy (no ``kms:*``)."""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

# What the account (through its IAM policies) may do with the key: use it, and administer it
# (PutKeyPolicy included, so the account can always repair the policy). Deleting the key is
# only scheduled, never immediate.
ACCOUNT_ACTIONS = [
    "kms:CancelKeyDeletion",
    "kms:CreateAlias",
    "kms:CreateGrant",
    "kms:Decrypt",
    "kms:DeleteAlias",
    "kms:DescribeKey",
    "kms:DisableKey",
    "kms:DisableKeyRotation",
    "kms:EnableKey",
    "kms:EnableKeyRotation",
    "kms:Encrypt",
    "kms:GenerateDataKey",
    "kms:GetKeyPolicy",
    "kms:GetKeyRotationStatus",
    "kms:ListAliases",
    "kms:ListGrants",
    "kms:ListKeyPolicies",
    "kms:ListResourceTags",
    "kms:PutKeyPolicy",
    "kms:ReEncryptFrom",
    "kms:ReEncryptTo",
    "kms:RetireGrant",
    "kms:RevokeGrant",
    "kms:ScheduleKeyDeletion",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:UpdateAlias",
    "kms:UpdateKeyDescription",
]


def customer_key(scope: Construct, id: str, *, alias: str, description: str) -> kms.Key:
    """A rotating key whose policy lets the account's IAM policies grant its use."""
    policy = iam.PolicyDocument(
        statements=[
            iam.PolicyStatement(
                sid="AccountUsesAndAdministersTheKey",
                principals=[iam.AccountRootPrincipal()],
                actions=ACCOUNT_ACTIONS,
                resources=["*"],  # in a key policy, "*" is this key
            )
        ]
    )
    return kms.Key(
        scope,
        id,
        alias=alias,
        description=description,
        enable_key_rotation=True,
        policy=policy,
        removal_policy=RemovalPolicy.RETAIN,
    )
