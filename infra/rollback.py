"""Roll a deployed stage back without rebuilding (``make rollback`` / ``make rollback-spa``).

``lambda``: each function's ``live`` alias (what API Gateway and the schedules invoke) is pointed
at the version before the one it serves now, or at ``--version``; any canary weight is cleared.
The functions are found by the ``fetms:stage`` / ``fetms:function`` tags the stack puts on them.

``spa``: the SPA bucket keeps every version of ``index.html`` and every hashed asset of earlier
builds, so restoring the previous ``index.html`` (a copy of its previous version) and
invalidating it in CloudFront serves the previous build again.

The next ``make deploy`` moves the aliases and index.html forward again.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from typing import Any

import boto3

from infra.config import STAGES, StageConfig

ALIAS = "live"
INDEX = "index.html"


@dataclass(frozen=True)
class AliasChange:
    function: str
    name: str
    previous: str
    current: str


def stage_functions(lambda_client: Any, stage: str) -> dict[str, str]:
    """``fetms:function`` tag → function name, for the stage's functions."""
    found: dict[str, str] = {}
    for page in lambda_client.get_paginator("list_functions").paginate():
        for function in page["Functions"]:
            tags = lambda_client.list_tags(Resource=function["FunctionArn"]).get("Tags", {})
            if tags.get("fetms:stage") == stage and "fetms:function" in tags:
                found[tags["fetms:function"]] = function["FunctionName"]
    return found


def previous_version(lambda_client: Any, function_name: str, current: str) -> str | None:
    versions = []
    for page in lambda_client.get_paginator("list_versions_by_function").paginate(
        FunctionName=function_name
    ):
        versions += [int(v["Version"]) for v in page["Versions"] if v["Version"].isdigit()]
    older = [v for v in versions if v < int(current)]
    return str(max(older)) if older else None


def rollback_functions(
    lambda_client: Any,
    stage: str,
    *,
    only: str | None = None,
    version: str | None = None,
    dry_run: bool = False,
) -> list[AliasChange]:
    functions = stage_functions(lambda_client, stage)
    if not functions:
        raise SystemExit(f"no functions tagged fetms:stage={stage} in this account and region")
    if only is not None:
        if only not in functions:
            raise SystemExit(f"no function {only!r} in stage {stage}; known: {sorted(functions)}")
        functions = {only: functions[only]}
    elif version is not None:
        raise SystemExit("--version needs --function (versions differ between functions)")
    changes = []
    for tag, name in sorted(functions.items()):
        alias = lambda_client.get_alias(FunctionName=name, Name=ALIAS)
        current = alias["FunctionVersion"]
        target = version or previous_version(lambda_client, name, current)
        if target is None:
            print(f"{tag}: version {current} is the oldest; left as it is", file=sys.stderr)
            continue
        changes.append(AliasChange(name, tag, previous=current, current=target))
        if not dry_run:
            lambda_client.update_alias(
                FunctionName=name,
                Name=ALIAS,
                FunctionVersion=target,
                RoutingConfig={"AdditionalVersionWeights": {}},
            )
    return changes


def rollback_spa(
    s3: Any, cloudfront: Any, bucket: str, distribution_id: str, *, dry_run: bool = False
) -> str:
    """Make the previous version of index.html current again; returns that version id."""
    listing = s3.list_object_versions(Bucket=bucket, Prefix=INDEX)
    # S3 lists the versions of a key newest first.
    versions = [v for v in listing.get("Versions", []) if v["Key"] == INDEX]
    if len(versions) < 2 or not versions[0].get("IsLatest"):
        raise SystemExit("index.html has no previous version to go back to")
    previous = versions[1]["VersionId"]
    if not dry_run:
        s3.copy_object(
            Bucket=bucket,
            Key=INDEX,
            CopySource={"Bucket": bucket, "Key": INDEX, "VersionId": previous},
            MetadataDirective="COPY",
        )
        cloudfront.create_invalidation(
            DistributionId=distribution_id,
            InvalidationBatch={
                "Paths": {"Quantity": 1, "Items": [f"/{INDEX}"]},
                "CallerReference": f"fetms-rollback-{time.time_ns()}",
            },
        )
    return str(previous)


def stack_output(cloudformation: Any, stack_name: str, key: str) -> str:
    stack = cloudformation.describe_stacks(StackName=stack_name)["Stacks"][0]
    for output in stack.get("Outputs", []):
        if output["OutputKey"] == key:
            return str(output["OutputValue"])
    raise SystemExit(f"stack {stack_name} has no output {key}")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m infra.rollback", description=__doc__)
    sub = parser.add_subparsers(dest="what", required=True)
    functions = sub.add_parser("lambda", help="point the live aliases back")
    functions.add_argument("--function", help="one function (e.g. api_handler); default: all")
    functions.add_argument("--version", help="this version instead of the previous one")
    spa = sub.add_parser("spa", help="serve the previous SPA build again")
    for command in (functions, spa):
        command.add_argument("--stage", required=True, choices=sorted(STAGES))
        command.add_argument("--dry-run", action="store_true", help="say what would change")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    config: StageConfig = STAGES[args.stage]
    session = boto3.session.Session(region_name=config.region)
    if args.what == "lambda":
        changes = rollback_functions(
            session.client("lambda"),
            config.stage,
            only=args.function,
            version=args.version,
            dry_run=args.dry_run,
        )
        verb = "would point" if args.dry_run else "pointed"
        for change in changes:
            print(
                f"{change.name}: {verb} {ALIAS} from version {change.previous} to {change.current}"
            )
        return 0
    cloudformation = session.client("cloudformation")
    bucket = stack_output(cloudformation, config.stack_name, "SpaBucket")
    distribution = stack_output(cloudformation, config.stack_name, "DistributionId")
    version = rollback_spa(
        session.client("s3"),
        session.client("cloudfront"),
        bucket,
        distribution,
        dry_run=args.dry_run,
    )
    print(f"index.html: {'would restore' if args.dry_run else 'restored'} version {version}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
