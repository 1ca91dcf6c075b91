"""`chalice package` offline: the SAM template and the Lambda bundle are what we expect."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]
# Chalice adds its own runtime (chalice/app.py) but never its CLI.
DEV_ONLY = (
    "secantus",
    "moto",
    "pytest",
    "chalice/cli",
    "boto3",
    "botocore",
    "mypy",
    "ruff",
    # infra/ (CDK, jsii, cdk-nag, cfn-lint) is never shipped to the functions.
    "infra/",
    "aws_cdk",
    "jsii",
    "cdk_nag",
    "cfnlint",
    "samtranslator",
)
BUNDLE_LIMIT_BYTES = 15 * 1024 * 1024
# Our own development-only code: the operator CLI, the local stack, demo data, bucket creation.
OWN_DEV_ONLY = (
    "fetms_cli/",
    "chalicelib/cli/",
    "chalicelib/localstack",
    "chalicelib/services/demo",
)


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("package")
    env = {**os.environ, "AWS_DEFAULT_REGION": "us-east-1"}
    for key in ("MONGO_URI", "S3_ENDPOINT_URL", "FETMS_STAGE", "JWT_SECRET", "CORS_ORIGINS"):
        env.pop(key, None)
    chalice = str(Path(sys.executable).with_name("chalice"))
    result = subprocess.run(
        [chalice, "package", "--stage", "prod", str(out)],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return out


def test_template_declares_api_authorizer_and_prod_settings(package: Path) -> None:
    template = json.loads((package / "sam.json").read_text())
    resources = template["Resources"]
    types = {name: r["Type"] for name, r in resources.items()}
    assert types["APIHandler"] == "AWS::Serverless::Function"
    assert types["JwtAuth"] == "AWS::Serverless::Function"
    env = resources["APIHandler"]["Properties"]["Environment"]["Variables"]
    assert env["FETMS_STAGE"] == "prod"
    assert env["JWT_SECRET_ARN"]
    assert "JWT_SECRET" not in env, "no signing secret in the template"
    assert resources["APIHandler"]["Properties"]["MemorySize"] == 1024


def test_bundle_has_runtime_dependencies_only(package: Path) -> None:
    names = zipfile.ZipFile(package / "deployment.zip").namelist()
    assert "app.py" in names
    assert any(n.startswith("chalicelib/") for n in names)
    assert any(n.startswith("pymongo/") for n in names)
    assert any(n.startswith("argon2/") for n in names)
    assert any(n.startswith("zxcvbn/") for n in names), "the password strength estimator"
    # Left out on purpose (it drags in botocore); observability.py copes without it.
    assert not any(n.startswith("aws_xray_sdk/") for n in names)
    for dev in DEV_ONLY:
        assert not any(n.startswith(dev) for n in names), f"{dev} must not be bundled"


def test_bundle_leaves_out_the_cli_local_stack_and_bucket_creation(package: Path) -> None:
    bundle = zipfile.ZipFile(package / "deployment.zip")
    names = bundle.namelist()
    for dev in OWN_DEV_ONLY:
        assert not any(n.startswith(dev) for n in names), f"{dev} must not be bundled"
    sources = [n for n in names if n.startswith("chalicelib/") and n.endswith(".py")]
    assert len(sources) > 40, "the application code itself is bundled"
    for name in sources:
        text = bundle.read(name).decode()
        for marker in ("create_bucket", "secantus", "subprocess"):
            assert marker not in text, f"{name} holds development-only code ({marker})"


def test_bundle_stays_under_15_mb(package: Path) -> None:
    size = (package / "deployment.zip").stat().st_size
    print(f"\nLambda bundle (deployment.zip): {size / 1024 / 1024:.2f} MB ({size} bytes)")
    assert size <= BUNDLE_LIMIT_BYTES, (
        f"the Lambda bundle is {size / 1024 / 1024:.2f} MB, over the 15 MB limit"
    )
