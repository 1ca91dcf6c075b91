"""What CloudFront needs from us-east-1: the WAF web ACL (prod) and the domain's certificate."""

from __future__ import annotations

from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_route53 as route53
from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

from infra.config import StageConfig

# AWS managed rule groups; SizeRestrictions_BODY only counts: the API accepts JSON bodies up to
# MAX_BODY_BYTES and inline uploads up to INLINE_UPLOAD_MAX_BYTES, far above its 8 KB limit.
MANAGED_RULE_GROUPS = (
    ("AWSManagedRulesCommonRuleSet", ("SizeRestrictions_BODY",)),
    ("AWSManagedRulesKnownBadInputsRuleSet", ()),
)


def _visibility(name: str) -> wafv2.CfnWebACL.VisibilityConfigProperty:
    return wafv2.CfnWebACL.VisibilityConfigProperty(
        cloud_watch_metrics_enabled=True, metric_name=name, sampled_requests_enabled=True
    )


class WebAcl(Construct):
    def __init__(self, scope: Construct, id: str, *, config: StageConfig) -> None:
        super().__init__(scope, id)
        rules = [
            wafv2.CfnWebACL.RuleProperty(
                name=name,
                priority=priority,
                override_action=wafv2.CfnWebACL.OverrideActionProperty(none={}),
                statement=wafv2.CfnWebACL.StatementProperty(
                    managed_rule_group_statement=wafv2.CfnWebACL.ManagedRuleGroupStatementProperty(
                        vendor_name="AWS",
                        name=name,
                        rule_action_overrides=[
                            wafv2.CfnWebACL.RuleActionOverrideProperty(
                                name=rule,
                                action_to_use=wafv2.CfnWebACL.RuleActionProperty(count={}),
                            )
                            for rule in counted
                        ]
                        or None,
                    )
                ),
                visibility_config=_visibility(name),
            )
            for priority, (name, counted) in enumerate(MANAGED_RULE_GROUPS)
        ]
        rules.append(
            wafv2.CfnWebACL.RuleProperty(
                name="RateLimitPerAddress",
                priority=len(rules),
                action=wafv2.CfnWebACL.RuleActionProperty(
                    block=wafv2.CfnWebACL.BlockActionProperty(
                        custom_response=wafv2.CfnWebACL.CustomResponseProperty(response_code=429)
                    )
                ),
                statement=wafv2.CfnWebACL.StatementProperty(
                    rate_based_statement=wafv2.CfnWebACL.RateBasedStatementProperty(
                        limit=config.waf_rate_limit_per_5_minutes, aggregate_key_type="IP"
                    )
                ),
                visibility_config=_visibility("RateLimitPerAddress"),
            )
        )
        self.acl = wafv2.CfnWebACL(
            self,
            "Acl",
            name=f"fetms-{config.stage}",
            scope="CLOUDFRONT",
            default_action=wafv2.CfnWebACL.DefaultActionProperty(allow={}),
            rules=rules,
            visibility_config=_visibility(f"fetms-{config.stage}"),
        )

    @property
    def arn(self) -> str:
        return self.acl.attr_arn


class SpaCertificate(Construct):
    """ACM certificate of ``spa_domain``, DNS-validated (automatic with a hosted zone)."""

    def __init__(self, scope: Construct, id: str, *, config: StageConfig) -> None:
        super().__init__(scope, id)
        assert config.spa_domain
        zone = (
            route53.HostedZone.from_hosted_zone_attributes(
                self,
                "Zone",
                hosted_zone_id=config.hosted_zone_id,
                zone_name=config.hosted_zone_name or config.spa_domain,
            )
            if config.hosted_zone_id
            else None
        )
        self.certificate = acm.Certificate(
            self,
            "Certificate",
            domain_name=config.spa_domain,
            validation=acm.CertificateValidation.from_dns(zone),
        )

    @property
    def arn(self) -> str:
        return self.certificate.certificate_arn
