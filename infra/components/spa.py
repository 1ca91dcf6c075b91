"""The SPA behind CloudFront, and ``/api/*`` on the same origin.

- default behaviour: the private SPA bucket through Origin Access Control; a CloudFront Function
  serves ``/index.html`` for client routes (paths without a file extension), so deep links load
  the app with 200. (Distribution-wide 403/404 error pages would also rewrite the API's own
  404/403 problem+json answers into index.html, so they are not used.)
- ``/api/*``: API Gateway (regional, stage ``api``), never cached, all methods, every viewer
  header but Host, all cookies and query strings.
- a response headers policy (HSTS, strict CSP, nosniff, DENY, referrer policy) on the SPA.
- the build (``frontend/dist``) is deployed with long-lived caching for hashed files and
  ``no-cache`` for ``index.html``, which is then invalidated.
"""

from __future__ import annotations

from pathlib import Path

from aws_cdk import Duration, Stack
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_deployment as s3deploy
from constructs import Construct

from infra.config import StageConfig

FUNCTION_DIR = Path(__file__).resolve().parent / "cloudfront"
HASHED_CACHE = [
    s3deploy.CacheControl.set_public(),
    s3deploy.CacheControl.max_age(Duration.days(365)),
    s3deploy.CacheControl.immutable(),
]
INDEX_CACHE = [s3deploy.CacheControl.no_cache()]
# CDK bootstrap's default qualifier: its asset bucket is cdk-<qualifier>-assets-<acct>-<region>.
CDK_QUALIFIER = "hnb659fds"
PRICE_CLASSES = {
    "100": cloudfront.PriceClass.PRICE_CLASS_100,
    "200": cloudfront.PriceClass.PRICE_CLASS_200,
    "ALL": cloudfront.PriceClass.PRICE_CLASS_ALL,
}


def content_security_policy(config: StageConfig) -> str:
    """Scripts, styles and fonts only from the SPA; files only from the uploads bucket."""
    bucket = config.bucket_name("uploads")
    s3_hosts = (
        f"https://{bucket}.s3.{config.region}.amazonaws.com https://{bucket}.s3.amazonaws.com"
    )
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "font-src 'self'",
            f"img-src 'self' data: blob: {s3_hosts}",
            f"connect-src 'self' {s3_hosts}",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
            "upgrade-insecure-requests",
        ]
    )


class Spa(Construct):
    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        config: StageConfig,
        bucket: s3.IBucket,
        logs_bucket: s3.IBucket,
        api_domain: str,
        api_stage: str,
        dist_dir: Path,
        certificate_arn: str | None,
        web_acl_arn: str | None,
    ) -> None:
        super().__init__(scope, id)
        headers = cloudfront.ResponseHeadersPolicy(
            self,
            "SecurityHeaders",
            response_headers_policy_name=f"fetms-{config.stage}-spa",
            security_headers_behavior=cloudfront.ResponseSecurityHeadersBehavior(
                strict_transport_security=cloudfront.ResponseHeadersStrictTransportSecurity(
                    access_control_max_age=Duration.days(730),
                    include_subdomains=True,
                    preload=True,
                    override=True,
                ),
                content_security_policy=cloudfront.ResponseHeadersContentSecurityPolicy(
                    content_security_policy=content_security_policy(config), override=True
                ),
                content_type_options=cloudfront.ResponseHeadersContentTypeOptions(override=True),
                frame_options=cloudfront.ResponseHeadersFrameOptions(
                    frame_option=cloudfront.HeadersFrameOption.DENY, override=True
                ),
                referrer_policy=cloudfront.ResponseHeadersReferrerPolicy(
                    referrer_policy=cloudfront.HeadersReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN,
                    override=True,
                ),
            ),
        )
        self.router = cloudfront.Function(
            self,
            "SpaRouter",
            code=cloudfront.FunctionCode.from_file(file_path=str(FUNCTION_DIR / "spa_router.js")),
            runtime=cloudfront.FunctionRuntime.JS_2_0,
            comment="index.html for client routes",
        )
        api_origin = origins.HttpOrigin(
            api_domain,
            origin_path=f"/{api_stage}",
            protocol_policy=cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
            origin_ssl_protocols=[cloudfront.OriginSslPolicy.TLS_V1_2],
        )
        domain_names = [config.spa_domain] if config.spa_domain and certificate_arn else None
        certificate = (
            acm.Certificate.from_certificate_arn(self, "Certificate", certificate_arn)
            if certificate_arn
            else None
        )
        self.distribution = cloudfront.Distribution(
            self,
            "Distribution",
            comment=f"FETMS {config.stage}: SPA and /api",
            default_root_object="index.html",
            default_behavior=cloudfront.BehaviorOptions(
                origin=origins.S3BucketOrigin.with_origin_access_control(bucket),
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                cache_policy=cloudfront.CachePolicy.CACHING_OPTIMIZED,
                response_headers_policy=headers,
                compress=True,
                function_associations=[
                    cloudfront.FunctionAssociation(
                        function=self.router,
                        event_type=cloudfront.FunctionEventType.VIEWER_REQUEST,
                    )
                ],
            ),
            additional_behaviors={
                "/api/*": cloudfront.BehaviorOptions(
                    origin=api_origin,
                    viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
                    allowed_methods=cloudfront.AllowedMethods.ALLOW_ALL,
                    cache_policy=cloudfront.CachePolicy.CACHING_DISABLED,
                    origin_request_policy=cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
                    compress=True,
                )
            },
            domain_names=domain_names,
            certificate=certificate,
            minimum_protocol_version=cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
            http_version=cloudfront.HttpVersion.HTTP2_AND_3,
            price_class=PRICE_CLASSES[config.cloudfront_price_class],
            enable_logging=True,
            log_bucket=logs_bucket,
            log_file_prefix="cloudfront/",
            web_acl_id=web_acl_arn,
        )

        # Hashed files first (kept forever: old builds stay loadable), then index.html.
        role = self._deployment_role(bucket)
        assets = s3deploy.BucketDeployment(
            self,
            "Assets",
            sources=[s3deploy.Source.asset(str(dist_dir), exclude=["index.html"])],
            destination_bucket=bucket,
            cache_control=HASHED_CACHE,
            prune=False,
            memory_limit=512,
            role=role,
        )
        index = s3deploy.BucketDeployment(
            self,
            "Index",
            sources=[s3deploy.Source.asset(str(dist_dir), exclude=["*", "!index.html"])],
            destination_bucket=bucket,
            cache_control=INDEX_CACHE,
            prune=False,
            distribution=self.distribution,
            distribution_paths=["/index.html"],
            memory_limit=512,
            role=role,
        )
        index.node.add_dependency(assets)

    def _deployment_role(self, bucket: s3.IBucket) -> iam.IRole:
        """The role of CDK's deployment handler, with the exact actions it performs.

        BucketDeployment grants broad actions (``s3:GetObject*``, ``s3:List*``, invalidations
        on ``*``) to the role it is given; handing it an immutable reference drops those grants,
        and this role says what the handler really does.
        """
        stack = Stack.of(self)
        role = iam.Role(
            self,
            "DeploymentRole",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description="Copies the SPA build into its bucket and invalidates index.html",
            managed_policies=[
                iam.ManagedPolicy.from_aws_managed_policy_name(
                    "service-role/AWSLambdaBasicExecutionRole"
                )
            ],
        )
        role.add_to_policy(
            iam.PolicyStatement(
                # The build's zip, staged by `cdk deploy` in the CDK bootstrap bucket.
                actions=["s3:GetObject"],
                resources=[
                    f"arn:{stack.partition}:s3:::cdk-{CDK_QUALIFIER}-assets-"
                    f"{stack.account}-{stack.region}/*"
                ],
            )
        )
        role.add_to_policy(
            iam.PolicyStatement(actions=["s3:ListBucket"], resources=[bucket.bucket_arn])
        )
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload"],
                resources=[bucket.arn_for_objects("*")],
            )
        )
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["cloudfront:CreateInvalidation", "cloudfront:GetInvalidation"],
                resources=[
                    stack.format_arn(
                        service="cloudfront",
                        region="",
                        resource="distribution",
                        resource_name=self.distribution.distribution_id,
                    )
                ],
            )
        )
        self.deployment_role = role
        return iam.Role.from_role_arn(self, "DeploymentRoleRef", role.role_arn, mutable=False)

    @property
    def domain_name(self) -> str:
        return self.distribution.distribution_domain_name
