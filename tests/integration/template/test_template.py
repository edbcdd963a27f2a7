"""template.yaml as AWS will see it: translated by the SAM translator (offline), then checked for
least privilege, wiring and the limits AWS enforces only at deploy time."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
from cfnlint.decode import cfn_yaml
from samtranslator.internal.managed_policies import get_bundled_managed_policy_map
from samtranslator.translator.transform import transform
from sfscan.pipeline.config import FUNCTION_CONFIGS, LOCAL_ONLY
from sfscan.store import items

ROOT = Path(__file__).resolve().parents[3]
TEMPLATE = ROOT / "template.yaml"
FUNCTIONS = ("DispatchFunction", "ScanFunction", "PublishFunction")
# Managed policies SAM attaches by itself: logs, X-Ray (Tracing: Active), and the event-source
# pollers. The pollers' actions cannot be narrowed without dropping SAM's event types.
ALLOWED_MANAGED = {
    "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
    "arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess",
    "arn:aws:iam::aws:policy/service-role/AWSLambdaSQSQueueExecutionRole",
    "arn:aws:iam::aws:policy/service-role/AWSLambdaDynamoDBExecutionRole",
}
ACCOUNT = "${AWS::Region}:${AWS::AccountId}"
SECRET_ARN = "arn:${AWS::Partition}:secretsmanager:" + ACCOUNT + ":secret:${OrgSecretPrefix}*"
PRODUCT_ARN = "arn:${AWS::Partition}:securityhub:" + ACCOUNT + ":product/${AWS::AccountId}/default"
HUB_ARN = "arn:${AWS::Partition}:securityhub:" + ACCOUNT + ":hub/default"


class OfflinePolicyLoader:
    """The translator's managed-policy lookup without calling IAM."""

    def load(self) -> dict[str, str]:
        return get_bundled_managed_policy_map("aws")  # type: ignore[no-any-return]


def source() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(json.dumps(cfn_yaml.load(str(TEMPLATE))))
    return data


def translate(parameters: dict[str, Any] | None = None) -> dict[str, Any]:
    tpl = source()
    for res in tpl["Resources"].values():
        props = res.get("Properties", {})
        if res["Type"] == "AWS::Serverless::Function":
            props["CodeUri"] = "s3://placeholder/code.zip"
        if res["Type"] == "AWS::Serverless::LayerVersion":
            props["ContentUri"] = "s3://placeholder/layer.zip"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("AWS_DEFAULT_REGION", "us-east-1")  # the translator builds ARNs for a region
        translated: dict[str, Any] = transform(tpl, parameters or {}, OfflinePolicyLoader())
    return translated


NO_VALUE = object()


def _value(node: Any, params: dict[str, Any], conditions: dict[str, bool]) -> Any:
    """CloudFormation's evaluation of conditions (Fn::If and friends) for given parameters."""
    if isinstance(node, list):
        items = [_value(n, params, conditions) for n in node]
        return [i for i in items if i is not NO_VALUE]
    if not isinstance(node, dict):
        return node
    if len(node) == 1:
        [(key, arg)] = node.items()
        result = _intrinsic(key, arg, params, conditions)
        if result is not NOT_INTRINSIC:
            return result
    out = {k: _value(v, params, conditions) for k, v in node.items()}
    return {k: v for k, v in out.items() if v is not NO_VALUE}


NOT_INTRINSIC = object()


def _intrinsic(key: str, arg: Any, params: dict[str, Any], conditions: dict[str, bool]) -> Any:
    """The value of {key: arg} when it is a function evaluated here, else NOT_INTRINSIC."""
    if key == "Ref":
        return NO_VALUE if arg == "AWS::NoValue" else params.get(arg, NOT_INTRINSIC)
    if key == "Fn::If":
        return _value(arg[1] if conditions[arg[0]] else arg[2], params, conditions)
    if key == "Fn::Equals":
        left, right = (_value(a, params, conditions) for a in arg)
        return left == right
    if key == "Fn::Not":
        return not _value(arg[0], params, conditions)
    if key == "Fn::Join":
        return arg[0].join(_value(arg[1], params, conditions))
    if key == "Condition":
        return conditions[arg]
    return NOT_INTRINSIC


def deployed(template: dict[str, Any], given: dict[str, Any]) -> dict[str, Any]:
    """The resources CloudFormation creates for these parameter values (defaults elsewhere)."""
    params = {k: p.get("Default") for k, p in template["Parameters"].items()}
    for name, p in template["Parameters"].items():
        if p["Type"] == "CommaDelimitedList":
            params[name] = [v for v in str(params[name] or "").split(",") if v]
    params.update(given)
    conditions: dict[str, bool] = {}
    for name, cond in template["Conditions"].items():
        conditions[name] = bool(_value(cond, params, conditions))
    resources = {
        k: r
        for k, r in template["Resources"].items()
        if "Condition" not in r or conditions[r["Condition"]]
    }
    # Refs to parameters left at their default stay Refs, as the tests compare them by name.
    return dict(_value(resources, given, conditions))


VPC = {"ScanSubnetIds": ["subnet-0a1", "subnet-0b2"], "ScanSecurityGroupIds": ["sg-0c3"]}
KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"


@pytest.fixture(scope="module")
def translated() -> dict[str, Any]:
    return translate()


@pytest.fixture(scope="module")
def cfn(translated: dict[str, Any]) -> dict[str, Any]:
    """The stack as deployed with the default parameters (no VPC, AWS-managed topic key)."""
    return deployed(translated, {})


@pytest.fixture(scope="module")
def cfn_vpc(translated: dict[str, Any]) -> dict[str, Any]:
    """The stack as deployed with subnets, security groups and a customer-managed topic key."""
    return deployed(translated, {**VPC, "NotificationKmsKeyArn": KEY_ARN})


SECRETS_KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b"
WITH_SECRETS_KEY = {"OrgSecretsKmsKeyArn": SECRETS_KEY_ARN}


@pytest.fixture(scope="module")
def translated_with_secrets_key() -> dict[str, Any]:
    """Translated with the org secrets' key given (SAM resolves what it can with the values)."""
    return translate({**WITH_SECRETS_KEY, **VPC})


def statements(role: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for policy in role["Properties"].get("Policies", []):
        out.extend(policy["PolicyDocument"]["Statement"])
    return out


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def actions(role: dict[str, Any]) -> set[str]:
    return {a for s in statements(role) for a in as_list(s["Action"])}


def test_no_statement_grants_every_action(cfn: dict[str, Any]) -> None:
    roles = [r for r in cfn.values() if r["Type"] == "AWS::IAM::Role"]
    assert len(roles) >= 4
    for role in roles:
        for stmt in statements(role):
            for action in as_list(stmt["Action"]):
                assert action != "*" and not action.endswith(":*"), (action, stmt)


SCAN_ACTIONS = {
    "secretsmanager:GetSecretValue",
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:Query",
    "dynamodb:UpdateItem",
    "dynamodb:ConditionCheckItem",
    "sqs:ReceiveMessage",  # the SQS event source, on the scan queue only
    "sqs:DeleteMessage",
    "sqs:GetQueueAttributes",
}
VPC_ACTIONS = {
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeSubnets",
    "ec2:CreateNetworkInterface",
    "ec2:DeleteNetworkInterface",
    "ec2:AssignPrivateIpAddresses",
    "ec2:UnassignPrivateIpAddresses",
}


def test_each_function_gets_only_what_it_uses(cfn: dict[str, Any]) -> None:
    assert actions(cfn["DispatchFunctionRole"]) == {"secretsmanager:ListSecrets", "sqs:SendMessage"}
    assert actions(cfn["ScanFunctionRole"]) == SCAN_ACTIONS
    assert actions(cfn["PublishFunctionRole"]) == {
        "dynamodb:GetItem",
        "dynamodb:Query",
        "dynamodb:UpdateItem",
        "sns:Publish",
        "securityhub:BatchImportFindings",
        "securityhub:BatchUpdateFindings",
        "sqs:SendMessage",  # the stream's on-failure destination
    }
    for fn in FUNCTIONS:
        assert set(managed(cfn[f"{fn}Role"])) <= ALLOWED_MANAGED
    # The scan role polls its own queue instead of SQS's managed policy on every queue.
    assert not {
        "arn:aws:iam::aws:policy/service-role/AWSLambdaSQSQueueExecutionRole",
        "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole",
    } & set(managed(cfn["ScanFunctionRole"]))
    assert _resources_for(cfn["ScanFunctionRole"], "sqs:ReceiveMessage") == [
        {"Fn::GetAtt": ["ScanQueue", "Arn"]}
    ]


def managed(role: dict[str, Any]) -> list[str]:
    out = []
    for arn in role["Properties"].get("ManagedPolicyArns", []):
        if isinstance(arn, dict):  # !Sub arn:${AWS::Partition}:...
            arn = arn["Fn::Sub"].replace("${AWS::Partition}", "aws")
        out.append(arn)
    return out


def test_only_list_secrets_is_allowed_on_every_resource(cfn: dict[str, Any]) -> None:
    # ListSecrets has no resource-level permissions in IAM; it returns no secret values.
    for fn in FUNCTIONS:
        for stmt in statements(cfn[f"{fn}Role"]):
            if stmt["Resource"] == "*":
                assert as_list(stmt["Action"]) == ["secretsmanager:ListSecrets"], fn


def test_without_subnets_the_scan_function_is_outside_any_vpc(cfn: dict[str, Any]) -> None:
    assert "VpcConfig" not in cfn["ScanFunction"]["Properties"]
    assert not actions(cfn["ScanFunctionRole"]) & VPC_ACTIONS
    assert not any(a.startswith("ec2:") for r in roles(cfn) for a in actions(r))


def test_with_subnets_only_the_scan_function_joins_the_vpc(cfn_vpc: dict[str, Any]) -> None:
    assert cfn_vpc["ScanFunction"]["Properties"]["VpcConfig"] == {
        "SubnetIds": VPC["ScanSubnetIds"],
        "SecurityGroupIds": VPC["ScanSecurityGroupIds"],
    }
    for fn in ("DispatchFunction", "PublishFunction"):
        assert "VpcConfig" not in cfn_vpc[fn]["Properties"]
        assert not any(a.startswith("ec2:") for a in actions(cfn_vpc[f"{fn}Role"]))
    role = cfn_vpc["ScanFunctionRole"]
    assert actions(role) == SCAN_ACTIONS | VPC_ACTIONS
    # The role must carry the EC2 permissions when Lambda creates the function's interfaces.
    assert cfn_vpc["ScanFunction"]["Properties"]["Role"] == {
        "Fn::GetAtt": ["ScanFunctionRole", "Arn"]
    }
    for stmt in statements(role):
        if stmt["Resource"] == "*":  # EC2 authorizes Describe* on every resource only
            assert set(as_list(stmt["Action"])) == {
                "ec2:DescribeNetworkInterfaces",
                "ec2:DescribeSubnets",
            }
    [eni] = {json.dumps(r) for r in _resources_for(role, "ec2:CreateNetworkInterface")}
    assert "${AWS::Region}:${AWS::AccountId}" in eni


def test_subnets_without_security_groups_are_refused_before_deploying(
    translated: dict[str, Any],
) -> None:
    # The rule survives SAM's translation, so CloudFormation checks it before creating anything.
    rule = translated["Rules"]["ScanVpcNeedsSecurityGroups"]
    params = {"ScanSubnetIds": ["subnet-0a1"], "ScanSecurityGroupIds": []}
    assert _value(rule["RuleCondition"], params, {}) is True
    assert _value(rule["Assertions"][0]["Assert"], params, {}) is False
    assert _value(rule["Assertions"][0]["Assert"], {**params, **VPC}, {}) is True


def test_customer_managed_key_encrypts_the_topic_and_lets_alarms_notify(
    cfn: dict[str, Any], cfn_vpc: dict[str, Any]
) -> None:
    alarms = [r["Properties"] for r in cfn.values() if r["Type"] == "AWS::CloudWatch::Alarm"]
    assert alarms and all("AlarmActions" not in a for a in alarms)
    assert cfn["NotificationTopic"]["Properties"]["KmsMasterKeyId"] == "alias/aws/sns"
    assert not any(a.startswith("kms:") for r in roles(cfn) for a in actions(r))

    alarms = [r["Properties"] for r in cfn_vpc.values() if r["Type"] == "AWS::CloudWatch::Alarm"]
    assert len(alarms) >= 5
    assert all(a["AlarmActions"] == [{"Ref": "NotificationTopic"}] for a in alarms)
    assert cfn_vpc["NotificationTopic"]["Properties"]["KmsMasterKeyId"] == KEY_ARN
    role = cfn_vpc["PublishFunctionRole"]
    assert _resources_for(role, "kms:GenerateDataKey") == [KEY_ARN]
    assert _resources_for(role, "kms:Decrypt") == [KEY_ARN]


def roles(cfn: dict[str, Any]) -> list[dict[str, Any]]:
    return [r for r in cfn.values() if r["Type"] == "AWS::IAM::Role"]


def _resources_for(role: dict[str, Any], action: str) -> list[Any]:
    return [s["Resource"] for s in statements(role) if action in as_list(s["Action"])]


def test_secret_values_only_under_the_org_prefix(cfn: dict[str, Any]) -> None:
    found = [
        res
        for fn in FUNCTIONS
        for res in _resources_for(cfn[f"{fn}Role"], "secretsmanager:GetSecretValue")
    ]
    assert found == [{"Fn::Sub": SECRET_ARN}]


def test_security_hub_import_only_into_the_default_product(cfn: dict[str, Any]) -> None:
    found = _resources_for(cfn["PublishFunctionRole"], "securityhub:BatchImportFindings")
    assert found == [{"Fn::Sub": PRODUCT_ARN}]


def test_security_hub_workflow_updates_only_on_this_accounts_hub(cfn: dict[str, Any]) -> None:
    # BatchUpdateFindings is authorized on the hub (cfn-lint's IAM data: resource types hub and
    # hubv2); the default hub of this account and region is the only one the function touches.
    found = [
        res
        for fn in FUNCTIONS
        for res in _resources_for(cfn[f"{fn}Role"], "securityhub:BatchUpdateFindings")
    ]
    assert found == [{"Fn::Sub": HUB_ARN}]


def test_queue_visibility_is_at_least_six_times_the_scan_timeout(cfn: dict[str, Any]) -> None:
    timeout = cfn["ScanFunction"]["Properties"]["Timeout"]
    queue = cfn["ScanQueue"]["Properties"]
    assert queue["VisibilityTimeout"] >= 6 * timeout
    assert queue["RedrivePolicy"] == {
        "deadLetterTargetArn": {"Fn::GetAtt": ["ScanDeadLetterQueue", "Arn"]},
        "maxReceiveCount": 3,
    }


def test_scan_event_source_mapping(cfn: dict[str, Any]) -> None:
    [esm] = [
        r["Properties"]
        for r in cfn.values()
        if r["Type"] == "AWS::Lambda::EventSourceMapping"
        and r["Properties"]["FunctionName"] == {"Ref": "ScanFunction"}
    ]
    assert esm["BatchSize"] == 1
    assert esm["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert esm["ScalingConfig"] == {"MaximumConcurrency": {"Ref": "ScanConcurrency"}}
    param = source()["Parameters"]["ScanConcurrency"]
    assert (param["MinValue"], param["MaxValue"]) == (2, 1000)


def test_stream_mapping_publishes_only_summary_inserts(cfn: dict[str, Any]) -> None:
    [esm] = [
        r["Properties"]
        for r in cfn.values()
        if r["Type"] == "AWS::Lambda::EventSourceMapping"
        and r["Properties"]["FunctionName"] == {"Ref": "PublishFunction"}
    ]
    assert esm["BisectBatchOnFunctionError"] is True and esm["MaximumRetryAttempts"] >= 1
    assert esm["DestinationConfig"]["OnFailure"]["Destination"] == {
        "Fn::GetAtt": ["PublishFailureQueue", "Arn"]
    }
    [pattern] = [json.loads(f["Pattern"]) for f in esm["FilterCriteria"]["Filters"]]
    assert pattern == {
        "eventName": ["INSERT"],
        "dynamodb": {"NewImage": {"item_type": {"S": [items.ITEM_SCAN]}}},
    }


def test_table_matches_the_store(cfn: dict[str, Any]) -> None:
    props = cfn["FindingsTable"]["Properties"]
    assert props["KeySchema"] == list(items.KEY_SCHEMA)
    assert props["AttributeDefinitions"] == list(items.ATTRIBUTE_DEFINITIONS)
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert props["SSESpecification"] == {"SSEEnabled": True}
    assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert props["StreamSpecification"] == {"StreamViewType": "NEW_AND_OLD_IMAGES"}
    assert props["TimeToLiveSpecification"] == {
        "AttributeName": items.TTL_ATTRIBUTE,
        "Enabled": True,
    }


def test_handlers_exist(cfn: dict[str, Any]) -> None:
    tpl = source()["Resources"]
    for fn in FUNCTIONS:
        props = tpl[fn]["Properties"]
        module, _, func = props["Handler"].partition(".")
        path = ROOT / props["CodeUri"] / f"{module}.py"
        tree = ast.parse(path.read_text())
        names = {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
        assert func in names, f"{path} has no function {func}"
        assert cfn[fn]["Properties"]["Handler"] == props["Handler"]


def test_environment_is_exactly_what_config_reads(cfn: dict[str, Any]) -> None:
    for fn, config in FUNCTION_CONFIGS.items():
        env = cfn[fn]["Properties"]["Environment"]["Variables"]
        ours = {k for k in env if k.startswith("SFSCAN_")}
        assert ours == set(config.READS) - LOCAL_ONLY, fn
        assert {"POWERTOOLS_SERVICE_NAME", "POWERTOOLS_METRICS_NAMESPACE"} <= set(env)
        assert env["POWERTOOLS_LOG_LEVEL"] == {"Ref": "LogLevel"}
        assert set(env) - ours <= {
            "POWERTOOLS_SERVICE_NAME",
            "POWERTOOLS_METRICS_NAMESPACE",
            "POWERTOOLS_LOG_LEVEL",
        }


def test_function_globals(cfn: dict[str, Any]) -> None:
    for fn in FUNCTIONS:
        props = cfn[fn]["Properties"]
        assert props["Runtime"] == "python3.12"
        assert props["TracingConfig"] == {"Mode": "Active"}
        assert props["Layers"] == [{"Ref": next(k for k in cfn if k.startswith("SfscanLayer"))}]


def test_schedule(cfn: dict[str, Any]) -> None:
    [schedule] = [r["Properties"] for r in cfn.values() if r["Type"] == "AWS::Scheduler::Schedule"]
    assert schedule["ScheduleExpression"] == {"Ref": "ScheduleExpression"}
    assert schedule["ScheduleExpressionTimezone"] == {"Ref": "ScheduleTimezone"}
    # A fixed name would collide between two stacks of this template in one region.
    assert "Name" not in schedule or "AWS::StackName" in json.dumps(schedule["Name"])
    assert "<aws.scheduler.execution-id>" in schedule["Target"]["Input"]


def test_topic_encrypted_and_email_optional(cfn: dict[str, Any]) -> None:
    assert cfn["NotificationTopic"]["Properties"]["KmsMasterKeyId"] == "alias/aws/sns"
    assert "NotificationEmailSubscription" not in cfn
    sub = source()["Resources"]["NotificationEmailSubscription"]
    cond = source()["Conditions"][sub["Condition"]]
    assert cond == {"Fn::Not": [{"Fn::Equals": [{"Ref": "NotificationEmail"}, ""]}]}


def test_parameters() -> None:
    params = source()["Parameters"]
    for name in (
        "ScheduleExpression",
        "ScheduleTimezone",
        "OrgSecretPrefix",
        "NotificationEmail",
        "EnableSecurityHub",
        "DefaultAllowedNetworks",
        "ScanConcurrency",
        "LookbackDays",
        "LogLevel",
    ):
        assert name in params
    assert params["OrgSecretPrefix"]["Default"] == "sfscan/orgs/"
    assert params["NotificationEmail"]["Default"] == ""


def test_alarms_cover_dead_letters_failures_and_every_function(cfn: dict[str, Any]) -> None:
    alarms = [r["Properties"] for r in cfn.values() if r["Type"] == "AWS::CloudWatch::Alarm"]
    watched = {json.dumps(a["Dimensions"][0]["Value"]) for a in alarms}
    for target in ("ScanDeadLetterQueue", "PublishFailureQueue", *FUNCTIONS):
        assert any(target in w for w in watched), target


def test_dashboard_shows_the_metrics_the_handlers_emit(cfn: dict[str, Any]) -> None:
    body = cfn["Dashboard"]["Properties"]["DashboardBody"]["Fn::Sub"]
    env = cfn["ScanFunction"]["Properties"]["Environment"]["Variables"]
    namespace = env["POWERTOOLS_METRICS_NAMESPACE"]
    for metric in ("OrgsScanned", "Violations", "ScanErrors", "ApiCallsUsed"):
        assert f'["{namespace}", "{metric}"' in body
    handler_code = (ROOT / "layers/sfscan/sfscan/pipeline/observability.py").read_text()
    for metric in ("OrgsScanned", "Violations", "ScanErrors", "ApiCallsUsed"):
        assert f'"{metric}"' in handler_code


def test_outputs() -> None:
    outputs = source()["Outputs"]
    for name in (
        "FindingsTableName",
        "NotificationTopicArn",
        "ScanQueueUrl",
        "DispatchFunctionName",
    ):
        assert name in outputs


def test_layer_is_built_from_the_package_and_its_requirements(cfn: dict[str, Any]) -> None:
    layer = source()["Resources"]["SfscanLayer"]
    assert layer["Properties"]["ContentUri"].rstrip("/") == "layers/sfscan"
    assert layer["Metadata"]["BuildMethod"] == "python3.12"
    assert (ROOT / "layers/sfscan/sfscan/__init__.py").is_file()
    reqs = [
        line.strip()
        for line in (ROOT / "layers/sfscan/requirements.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    assert sorted(reqs) == sorted(re.sub(r"\s+", "", d) for d in declared)


def test_cfn_lint_finds_no_errors() -> None:
    cfn_lint = Path(sys.executable).parent / "cfn-lint"
    proc = subprocess.run(
        [str(cfn_lint), str(TEMPLATE)], capture_output=True, text=True, check=False, timeout=300
    )
    # rc bit 2 = errors (4 = warnings, 8 = informational).
    assert proc.returncode & 2 == 0, proc.stdout + proc.stderr
    assert proc.returncode == 0, proc.stdout


def test_samconfig_example_deploys_without_prompts_with_real_parameters() -> None:
    config = tomllib.loads((ROOT / "samconfig.toml.example").read_text())["default"]
    deploy = config["deploy"]["parameters"]
    assert deploy["confirm_changeset"] is False and deploy["fail_on_empty_changeset"] is False
    assert deploy["capabilities"] == "CAPABILITY_IAM" and deploy["resolve_s3"] is True
    assert config["global"]["parameters"]["stack_name"] and config["global"]["parameters"]["region"]
    assert config["delete"]["parameters"]["no_prompts"] is True
    params = source()["Parameters"]
    for override in deploy["parameter_overrides"]:
        name, _, value = override.partition("=")
        assert name in params, name
        allowed = params[name].get("AllowedValues")
        assert allowed is None or value in allowed, override
        pattern = params[name].get("AllowedPattern")
        assert pattern is None or re.fullmatch(pattern, value), override


def test_make_deploy_and_destroy_use_the_config_without_prompts() -> None:
    env = {"PATH": "/usr/bin:/bin", "HOME": "/tmp"}
    for target, expected in (
        (
            "deploy",
            ["sam deploy", "--config-file samconfig.toml.example", "--no-confirm-changeset"],
        ),
        ("destroy", ["sam delete", "--config-file samconfig.toml.example", "--no-prompts"]),
    ):
        proc = subprocess.run(
            ["make", "-n", target, "SAM_CONFIG=samconfig.toml.example"],
            cwd=ROOT, capture_output=True, text=True, check=True, env=env, timeout=60,
        )  # fmt: skip
        flat = " ".join(proc.stdout.replace("\\\n", " ").split())
        for part in expected:
            assert part in flat, (target, flat)


def test_every_parameter_is_documented_in_deploy_md() -> None:
    table = (ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")
    for name, param in source()["Parameters"].items():
        row = f"| `{name}` |"
        assert row in table, f"docs/deploy.md's parameter table lacks {name}"
        default = param.get("Default", "")
        shown = table.split(row, 1)[1].split("|", 1)[0].strip()
        assert shown == (f"`{default}`" if str(default) else "empty"), (name, shown, default)


VIA_SECRETS_MANAGER = {
    "StringEquals": {"kms:ViaService": {"Fn::Sub": "secretsmanager.${AWS::Region}.amazonaws.com"}}
}


def kms_statements(role: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for s in statements(role) if any(a.startswith("kms:") for a in as_list(s["Action"]))]


@pytest.mark.parametrize("vpc", [{}, VPC], ids=["outside-vpc", "in-vpc"])
def test_org_secrets_key_lets_the_scan_function_decrypt_only_through_secrets_manager(
    translated_with_secrets_key: dict[str, Any], vpc: dict[str, Any]
) -> None:
    cfn = deployed(translated_with_secrets_key, {**WITH_SECRETS_KEY, **vpc})
    role = cfn["ScanFunctionRole"]
    assert actions(role) == SCAN_ACTIONS | {"kms:Decrypt"} | (VPC_ACTIONS if vpc else set())
    [stmt] = kms_statements(role)
    assert stmt["Effect"] == "Allow" and as_list(stmt["Action"]) == ["kms:Decrypt"]
    assert stmt["Resource"] == SECRETS_KEY_ARN  # that key only, never "*"
    assert stmt["Condition"] == VIA_SECRETS_MANAGER
    # No other role gains KMS from the secrets' key (the topic keeps alias/aws/sns).
    for fn in ("DispatchFunction", "PublishFunction"):
        assert not kms_statements(cfn[f"{fn}Role"]), fn
    assert cfn["NotificationTopic"]["Properties"]["KmsMasterKeyId"] == "alias/aws/sns"


def test_without_org_secrets_key_the_scan_role_has_no_kms_statement(
    cfn: dict[str, Any], cfn_vpc: dict[str, Any]
) -> None:
    assert not kms_statements(cfn["ScanFunctionRole"])
    # The topic's key (cfn_vpc sets NotificationKmsKeyArn) is the publish function's only.
    assert not kms_statements(cfn_vpc["ScanFunctionRole"])
    assert actions(cfn_vpc["ScanFunctionRole"]) == SCAN_ACTIONS | VPC_ACTIONS


def test_topic_key_and_secrets_key_each_reach_only_their_function(
    translated_with_secrets_key: dict[str, Any],
) -> None:
    cfn = deployed(
        translated_with_secrets_key, {**WITH_SECRETS_KEY, "NotificationKmsKeyArn": KEY_ARN}
    )
    assert [s["Resource"] for s in kms_statements(cfn["ScanFunctionRole"])] == [SECRETS_KEY_ARN]
    assert {s["Resource"] for s in kms_statements(cfn["PublishFunctionRole"])} == {KEY_ARN}
    assert not kms_statements(cfn["DispatchFunctionRole"])


@pytest.mark.parametrize(
    ("value", "accepted"),
    [
        ("", True),
        (SECRETS_KEY_ARN, True),
        (
            "arn:aws-us-gov:kms:us-gov-west-1:123456789012:key/mrk-1234abcd12ab34cd56ef1234567890ab",
            True,
        ),
        ("arn:aws:kms:us-east-1:123456789012:alias/sfscan", False),  # IAM authorizes the key
        ("0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b", False),
        ("alias/aws/secretsmanager", False),
        ("*", False),
        (SECRETS_KEY_ARN + ",arn:aws:kms:us-east-1:123456789012:key/other", False),
    ],
)
def test_org_secrets_key_parameter_takes_a_key_arn_or_nothing(value: str, accepted: bool) -> None:
    param = source()["Parameters"]["OrgSecretsKmsKeyArn"]
    assert param["Type"] == "String" and param["Default"] == ""
    assert bool(re.fullmatch(param["AllowedPattern"], value)) is accepted
