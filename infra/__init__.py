"""FETMS infrastructure as code (CDK v2): see infra/app.py and docs/RUNBOOK.md."""

import os

# jsii starts node on the first aws_cdk import; the machines run Node 20 (supported by the
# pinned aws-cdk-lib, but past its end of life, which jsii otherwise prints a banner about).
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
