"""The SPA on CloudFront: OAC, the /api/* behaviour, headers, TLS, routing, WAF, deployment."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from aws_cdk.assertions import Match

from infra.components.spa import FUNCTION_DIR
from infra.config import STAGES
from tests.infra.conftest import Synth

STAGE_NAMES = ("dev", "prod")
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
ALL_VIEWER_EXCEPT_HOST = "b689b0a8-53d0-40ab-baf2-68738e2966ac"


def distribution(synth: Synth, stage: str) -> dict[str, Any]:
    [resource] = synth.resources(stage, "AWS::CloudFront::Distribution").values()
    config: dict[str, Any] = resource["Properties"]["DistributionConfig"]
    return config


@pytest.mark.parametrize("stage", STAGE_NAMES)
def test_spa_bucket_is_served_only_through_origin_access_control(synth: Synth, stage: str) -> None:
    config = distribution(synth, stage)
    s3_origins = [o for o in config["Origins"] if "S3OriginConfig" in o]
    [origin] = s3_origins
    assert origin["S3OriginConfig"] == {"OriginAccessIdentity": ""}
    assert "OriginAccessControlId" in origin
    synth.template(stage).has_resource_properties(
        "AWS::CloudFront::OriginAccessControl",
        {
            "OriginAccessControlConfig": {
                "OriginAccessControlOriginType": "s3",
                "SigningBehavior": "always",
                "SigningProtocol": "sigv4",
            }
        },
    )
    spa_bucket = STAGES[stage].bucket_name("spa")
    policies = synth.resources(stage, "AWS::S3::BucketPolicy")
    spa_policy = [
        p for p in policies.values() if "StorageSpa" in json.dumps(p["Properties"]["Bucket"])
    ]
    [policy] = spa_policy
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    cloudfront = [
        s for s in statements if s.get("Principal") == {"Service": "cloudfront.amazonaws.com"}
    ]
    assert cloudfront and cloudfront[0]["Action"] == "s3:GetObject"
    assert "AWS:SourceArn" in json.dumps(cloudfront[0]["Condition"])
    assert spa_bucket.startswith(f"fetms-{stage}-spa-")


@pytest.mark.parametrize("stage", STAGE_NAMES)
def test_api_behaviour_reaches_api_gateway_uncached_with_every_method(
    synth: Synth, stage: str
) -> None:
    config = distribution(synth, stage)
    [api] = [b for b in config["CacheBehaviors"] if b["PathPattern"] == "/api/*"]
    assert api["CachePolicyId"] == CACHING_DISABLED
    assert api["OriginRequestPolicyId"] == ALL_VIEWER_EXCEPT_HOST
    assert sorted(api["AllowedMethods"]) == sorted(
        ["GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"]
    )
    assert api["ViewerProtocolPolicy"] == "https-only"
    [origin] = [o for o in config["Origins"] if o["Id"] == api["TargetOriginId"]]
    assert origin["OriginPath"] == "/api"
    assert "RestAPI" in json.dumps(origin["DomainName"])
    assert "execute-api" in json.dumps(origin["DomainName"])
    assert origin["CustomOriginConfig"]["OriginProtocolPolicy"] == "https-only"
    default = config["DefaultCacheBehavior"]
    assert default["ViewerProtocolPolicy"] == "redirect-to-https"
    assert config["DefaultRootObject"] == "index.html"
    # Distribution-wide error pages would turn the API's 403/404 problem+json into index.html.
    assert "CustomErrorResponses" not in config
    assert config["Logging"]["Prefix"] == "cloudfront/"


@pytest.mark.parametrize("stage", STAGE_NAMES)
def test_response_headers_policy(synth: Synth, stage: str) -> None:
    [policy] = synth.resources(stage, "AWS::CloudFront::ResponseHeadersPolicy").values()
    headers = policy["Properties"]["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]
    hsts = headers["StrictTransportSecurity"]
    assert hsts["AccessControlMaxAgeSec"] >= 31536000 and hsts["IncludeSubdomains"] is True
    csp = headers["ContentSecurityPolicy"]["ContentSecurityPolicy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";") if " " in d.strip())
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    uploads = STAGES[stage].bucket_name("uploads")
    assert uploads in directives["connect-src"]  # the browser POSTs files to S3 directly
    assert headers["ContentTypeOptions"]["Override"] is True
    assert headers["FrameOptions"]["FrameOption"] == "DENY"
    assert headers["ReferrerPolicy"]["ReferrerPolicy"] == "strict-origin-when-cross-origin"
    default = distribution(synth, stage)["DefaultCacheBehavior"]
    assert default["ResponseHeadersPolicyId"] == {"Ref": Match.any_value()} or "Ref" in json.dumps(
        default["ResponseHeadersPolicyId"]
    )


def test_prod_custom_domain_tls12_and_waf(synth: Synth) -> None:
    config = distribution(synth, "prod")
    assert config["Aliases"] == [STAGES["prod"].spa_domain]
    assert config["ViewerCertificate"]["MinimumProtocolVersion"] == "TLSv1.2_2021"
    assert config["ViewerCertificate"]["SslSupportMethod"] == "sni-only"
    assert "WebACLId" in config
    assert "WebACLId" not in distribution(synth, "dev")
    edge = synth.template("prod-edge")
    edge.has_resource_properties(
        "AWS::CertificateManager::Certificate",
        {"DomainName": STAGES["prod"].spa_domain, "ValidationMethod": "DNS"},
    )
    [acl] = synth.resources("prod-edge", "AWS::WAFv2::WebACL").values()
    props = acl["Properties"]
    assert props["Scope"] == "CLOUDFRONT"
    assert props["DefaultAction"] == {"Allow": {}}
    by_name = {r["Name"]: r for r in props["Rules"]}
    common = by_name["AWSManagedRulesCommonRuleSet"]["Statement"]["ManagedRuleGroupStatement"]
    assert common["VendorName"] == "AWS"
    # Our JSON bodies and inline uploads exceed the group's 8 KB body limit: count, don't block.
    assert common["RuleActionOverrides"] == [
        {"Name": "SizeRestrictions_BODY", "ActionToUse": {"Count": {}}}
    ]
    rate = by_name["RateLimitPerAddress"]
    assert rate["Statement"]["RateBasedStatement"] == {
        "Limit": STAGES["prod"].waf_rate_limit_per_5_minutes,
        "AggregateKeyType": "IP",
    }
    assert rate["Action"]["Block"]["CustomResponse"]["ResponseCode"] == 429
    assert "dev-edge" not in synth.templates


def route(uri: str) -> str:
    """Run the CloudFront Function (viewer request) with Node, as CloudFront would."""
    script = (
        f"{(FUNCTION_DIR / 'spa_router.js').read_text()}\n"
        f"process.stdout.write(handler({{request: {{uri: {json.dumps(uri)}}}}}).uri);"
    )
    result = subprocess.run(["node", "-e", script], capture_output=True, text=True, check=True)
    return result.stdout


def test_client_routes_get_index_html_and_files_pass_through() -> None:
    assert route("/") == "/index.html"
    assert route("/teachers/65f0c0ffee/documents") == "/index.html"
    assert route("/pipeline") == "/index.html"
    assert route("/assets/index-3f2a9c.js") == "/assets/index-3f2a9c.js"
    assert route("/favicon.ico") == "/favicon.ico"


@pytest.mark.parametrize("stage", STAGE_NAMES)
def test_router_runs_on_viewer_requests_of_the_spa(synth: Synth, stage: str) -> None:
    [function] = synth.resources(stage, "AWS::CloudFront::Function").values()
    code = function["Properties"]["FunctionCode"]
    assert code == (FUNCTION_DIR / "spa_router.js").read_text()
    assert function["Properties"]["FunctionConfig"]["Runtime"] == "cloudfront-js-2.0"
    [association] = distribution(synth, stage)["DefaultCacheBehavior"]["FunctionAssociations"]
    assert association["EventType"] == "viewer-request"


@pytest.mark.parametrize("stage", STAGE_NAMES)
def test_build_is_deployed_with_cache_headers_and_index_invalidated(
    synth: Synth, stage: str
) -> None:
    deployments = synth.resources(stage, "Custom::CDKBucketDeployment")
    by_id = {name.split("Spa")[1][:5]: r["Properties"] for name, r in deployments.items()}
    assets, index = by_id["Asset"], by_id["Index"]
    assert assets["SystemMetadata"]["cache-control"] == "public, max-age=31536000, immutable"
    assert assets["Prune"] is False
    assert "DistributionId" not in assets
    assert index["SystemMetadata"]["cache-control"] == "no-cache"
    assert index["DistributionPaths"] == ["/index.html"]
    assert index["Prune"] is False
    # The placeholder (or frontend/dist) becomes an asset of the cloud assembly.
    assert any(Path(synth.outdir).glob("asset.*"))
