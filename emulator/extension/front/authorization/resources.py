"""The resource ARN, request tags and resource tags of each call backend-ctl makes.

``call(service, action, params, query, region, account)`` -> ``Call``: the IAM
action (``lambda:Invoke`` is ``lambda:InvokeFunction``), the ARN the call is
authorized on, the tags the request sets (``aws:RequestTag/<key>``,
``aws:TagKeys``) or removes (``aws:TagKeys``), the resource's current tags
(``aws:ResourceTag/<key>``), and the roles it passes (for ``iam:PassRole``).

Resource ARNs (an action the Service Authorization Reference gives no resource
type, per ``dependent.resource_level``, is authorized on ``*``):

* iam Get/Create/Delete/Update/Tag/Untag Role, UpdateAssumeRolePolicy,
  ListRoleTags, Put/Get/Delete/List RolePolicies, Attach/Detach/ListAttached
  RolePolicies: ``arn:<p>:iam::<acct>:role<path><name>`` (the role's path when it
  exists, CreateRole's ``Path``); user calls: the user's ARN; ``PolicyArn`` calls:
  the policy;
* lambda calls naming a function (GetFunction, GetFunctionConfiguration,
  CreateFunction, UpdateFunctionCode/Configuration, DeleteFunction,
  Put/Get/DeleteFunctionConcurrency, Invoke, PublishVersion, aliases):
  ``arn:<p>:lambda:<region>:<acct>:function:<name>``, with ``:<qualifier>``
  when the call names one (``?Qualifier=``, ``name:qualifier``, qualified ARN);
  TagResource/UntagResource/ListTags: the ARN in the path; GetAccountSettings,
  ListFunctions: ``*``;
* cognito-identity calls naming ``IdentityPoolId`` (Describe/Update/Delete
  IdentityPool, GetIdentityPoolRoles) and ``ResourceArn`` (tagging):
  ``arn:<p>:cognito-identity:<region>:<acct>:identitypool/<id>``;
  CreateIdentityPool, ListIdentityPools, SetIdentityPoolRoles: ``*`` (no
  resource type in the reference);
* logs calls naming ``logGroupName``/``logGroupIdentifier`` (CreateLogGroup,
  DeleteLogGroup, PutRetentionPolicy, DeleteRetentionPolicy, FilterLogEvents,
  TagLogGroup, ...): ``arn:<p>:logs:<region>:<acct>:log-group:<name>:log-stream:``
  (``…:log-stream:<stream>`` with ``logStreamName``), as AWS's refusals name
  them; ``resourceArn`` (TagResource, UntagResource, ListTagsForResource):
  ``arn:<p>:logs:<region>:<acct>:log-group:<name>``;
  DescribeLogGroups: ``*``;
* sns calls naming ``TopicArn`` or ``ResourceArn`` (ListTagsForResource,
  TagResource, ListSubscriptionsByTopic, Subscribe, DeleteTopic,
  GetTopicAttributes) and CreateTopic's ``Name``:
  ``arn:<p>:sns:<region>:<acct>:<topic>``, with the topic's tags;
  ListTopics and Unsubscribe: ``*`` (no resource type in the reference);
* cloudwatch (signed as ``monitoring``) calls naming alarms (PutMetricAlarm's
  ``AlarmName``, DescribeAlarms' and DeleteAlarms' ``AlarmNames``, tagging's
  ``ResourceARN``): ``arn:<p>:cloudwatch:<region>:<acct>:alarm:<name>``, one
  check per alarm named (``Call.more``); DescribeAlarms without names and
  GetMetricData: ``*``;
* sqs calls naming ``QueueUrl`` or ``QueueName``: ``arn:<p>:sqs:<region>:<acct>:<name>``,
  with the queue's tags (``ChangeMessageVisibilityBatch`` is authorized as
  ``ChangeMessageVisibility``, ``DeleteMessageBatch`` as ``DeleteMessage``, as
  the SQS Developer Guide's API permissions reference says);
* sts GetCallerIdentity needs no permission (``Call.free``).
"""

import re
from dataclasses import dataclass, field
from typing import Any

from moto.awslambda.utils import get_backend as lambda_backend
from moto.cognitoidentity.models import cognitoidentity_backends
from moto.iam.models import iam_backends
from moto.logs.models import logs_backends
from moto.utilities.utils import get_partition

from extension.front.wire import IAM_PREFIX

from . import dependent

LAMBDA_ACTIONS = {"Invoke": "InvokeFunction", "InvokeWithResponseStream": "InvokeFunction"}
SQS_ACTIONS = {"ChangeMessageVisibilityBatch": "ChangeMessageVisibility",
               "DeleteMessageBatch": "DeleteMessage", "SendMessageBatch": "SendMessage"}
FREE = {"sts:GetCallerIdentity"}
INDEXED = re.compile(r"Tags\.member\.(\d+)\.(Key|Value)")
TAG_KEYS = re.compile(r"TagKeys\.member\.\d+")


@dataclass
class Call:
    action: str
    resource: str
    request_tags: dict[str, str] | None = None   # tags the request sets
    tag_keys: list[str] | None = None            # aws:TagKeys (set or removed)
    resource_tags: dict[str, str] = field(default_factory=dict)
    passed_roles: list[str] = field(default_factory=list)
    free: bool = False
    more: list[str] = field(default_factory=list)  # further resources, each checked too




def function_arn(name: str, qualifier: str | None, partition: str, region: str, account: str) -> str:
    """The ARN a call on ``name`` is authorized against: qualified when it names a qualifier."""
    parts = name.split(":")
    if name.startswith("arn:") and len(parts) >= 7:
        partition, region, account, name = parts[1], parts[3], parts[4], parts[6]
        qualifier = parts[7] if len(parts) > 7 else qualifier
    elif len(parts) >= 3 and parts[1] == "function":
        account, name = parts[0], parts[2]
        qualifier = parts[3] if len(parts) > 3 else qualifier
    elif len(parts) == 2:
        name, qualifier = parts
    arn = f"arn:{partition}:lambda:{region}:{account}:function:{name}"
    return f"{arn}:{qualifier}" if qualifier else arn


def _iam_query_tags(params: dict[str, Any]) -> dict[str, str] | None:
    found: dict[str, dict[str, str]] = {}
    for name, value in params.items():
        match = INDEXED.fullmatch(name)
        if match:
            found.setdefault(match[1], {})[match[2]] = value
    if not found:
        return None
    return {tag["Key"]: tag.get("Value", "") for _, tag in sorted(found.items()) if "Key" in tag}


def _role(account: str, partition: str, name: str) -> Any:
    backend = iam_backends[account][partition]
    return next((r for r in backend.roles.values() if r.name.lower() == name.lower()), None)


def _iam(call: Call, params: dict[str, Any], account: str, partition: str) -> None:
    if params.get("RoleName"):
        role = _role(account, partition, params["RoleName"])
        if role is not None:
            call.resource = role.arn
            call.resource_tags = {t["Key"]: t["Value"] for t in role.tags or []}
        else:
            call.resource = f"arn:{partition}:iam::{account}:role{params.get('Path') or '/'}{params['RoleName']}"
    elif params.get("UserName"):
        call.resource = f"arn:{partition}:iam::{account}:user/{params['UserName']}"
    elif params.get("PolicyArn"):
        call.resource = params["PolicyArn"]
    call.request_tags = _iam_query_tags(params)
    removed = [v for k, v in params.items() if TAG_KEYS.fullmatch(k)]
    call.tag_keys = list(call.request_tags) if call.request_tags is not None else (removed or None)


def _lambda(call: Call, action: str, params: dict, query: list, region: str, account: str,
            partition: str) -> None:
    qualifier = dict(query).get("Qualifier")
    if isinstance(params.get("Resource"), str):
        call.resource = params["Resource"]
    elif isinstance(params.get("FunctionName"), str):
        call.resource = function_arn(params["FunctionName"], None if action in (
            "CreateAlias", "UpdateAlias", "DeleteAlias", "GetAlias") else qualifier,
            partition, region, account)
    if isinstance(params.get("Tags"), dict):
        call.request_tags = {str(k): str(v) for k, v in params["Tags"].items()}
        call.tag_keys = list(call.request_tags)
    elif action == "UntagResource":
        call.tag_keys = [v for k, v in query if k == "tagKeys"]
    if isinstance(params.get("Role"), str):
        call.passed_roles = [params["Role"]]
    parts = call.resource.split(":")
    if len(parts) >= 7 and parts[5] == "function" and action != "CreateFunction":
        try:
            fn = lambda_backend(parts[4], parts[3]).get_function(parts[6])
            call.resource_tags = dict(fn.tags or {})
        except Exception:  # noqa: BLE001 - no such function: no tags
            pass


def _cognito(call: Call, params: dict, region: str, account: str, partition: str) -> None:
    pool_id = params.get("IdentityPoolId")
    if isinstance(params.get("ResourceArn"), str):
        call.resource = params["ResourceArn"]
        pool_id = call.resource.rpartition("identitypool/")[2] or None
    elif isinstance(pool_id, str):
        call.resource = (f"arn:{partition}:cognito-identity:{region}:{account}:"
                         f"identitypool/{pool_id}")
    tags = params.get("IdentityPoolTags", params.get("Tags"))
    if isinstance(tags, dict):
        call.request_tags = {str(k): str(v) for k, v in tags.items()}
        call.tag_keys = list(call.request_tags)
    elif isinstance(params.get("TagKeys"), list):
        call.tag_keys = [str(k) for k in params["TagKeys"]]
    roles = params.get("Roles") if isinstance(params.get("Roles"), dict) else {}
    call.passed_roles = [arn for arn in roles.values() if isinstance(arn, str)]
    for mapping in (params.get("RoleMappings") or {}).values():
        rules = ((mapping or {}).get("RulesConfiguration") or {}).get("Rules") or []
        call.passed_roles += [r["RoleARN"] for r in rules if isinstance(r.get("RoleARN"), str)]
    pool = cognitoidentity_backends[account][region].identity_pools.get(pool_id or "")
    if pool is not None:
        call.resource_tags = dict(getattr(pool, "tags", None) or {})


def _logs(call: Call, params: dict, region: str, account: str, partition: str) -> None:
    name = params.get("logGroupName") or params.get("logGroupIdentifier")
    if isinstance(params.get("resourceArn"), str):
        call.resource = params["resourceArn"].removesuffix(":*")
        name = call.resource.partition(":log-group:")[2] or None
    elif isinstance(name, str):
        if name.startswith("arn:"):
            call.resource, name = name.removesuffix(":*"), name.partition(":log-group:")[2]
        else:
            call.resource = f"arn:{partition}:logs:{region}:{account}:log-group:{name}"
        # The calls that name a group (not an ARN) are authorized on its
        # streams: "not authorized to perform: logs:CreateLogGroup on
        # resource: arn:aws:logs:…:log-group:/ecs/app:log-stream:", as AWS's
        # refusals read (so policies grant `log-group:<name>:*`).
        stream = params.get("logStreamName")
        call.resource += f":log-stream:{stream if isinstance(stream, str) else ''}"
    if isinstance(params.get("tags"), dict):
        call.request_tags = {str(k): str(v) for k, v in params["tags"].items()}
        call.tag_keys = list(call.request_tags)
    elif isinstance(params.get("tagKeys"), list):
        call.tag_keys = [str(k) for k in params["tagKeys"]]
    if isinstance(name, str) and name:
        try:
            call.resource_tags = dict(logs_backends[account][region].list_tags_log_group(name))
        except Exception:  # noqa: BLE001 - no such group: no tags
            pass


def _query_tags(params: dict[str, Any]) -> dict[str, str] | None:
    """``Tags.member.N.Key/Value`` of a query request, as a dict (None: no tags)."""
    pairs: dict[str, dict[str, str]] = {}
    for key, value in params.items():
        found = INDEXED.fullmatch(key)
        if found:
            pairs.setdefault(found.group(1), {})[found.group(2)] = str(value)
    if not pairs:
        return None
    return {p["Key"]: p.get("Value", "") for p in pairs.values() if "Key" in p}


def _sns(call: Call, params: dict, region: str, account: str, partition: str) -> None:
    from moto.sns.models import sns_backends
    arn = params.get("TopicArn") or params.get("ResourceArn")
    if not isinstance(arn, str) and isinstance(params.get("Name"), str):
        arn = f"arn:{partition}:sns:{region}:{account}:{params['Name']}"
    if isinstance(arn, str):
        call.resource = arn
        topic = sns_backends[account][region].topics.get(arn)
        if topic is not None:
            call.resource_tags = dict(getattr(topic, "_tags", None) or {})
    call.request_tags = _query_tags(params)
    if call.request_tags is not None:
        call.tag_keys = list(call.request_tags)


def _sqs(call: Call, params: dict, region: str, account: str, partition: str) -> None:
    """SQS (JSON protocol): ``QueueUrl`` (``https://…/<account>/<name>``) or
    CreateQueue's and GetQueueUrl's ``QueueName``: ``arn:<p>:sqs:<region>:<acct>:<name>``,
    with the queue's tags; CreateQueue's ``tags`` are the request's."""
    from moto.sqs.models import sqs_backends
    name = params.get("QueueName")
    url = params.get("QueueUrl")
    if isinstance(url, str):
        parts = url.rstrip("/").split("/")
        if len(parts) >= 2:
            account, name = parts[-2], parts[-1]
    if isinstance(name, str) and name:
        call.resource = f"arn:{partition}:sqs:{region}:{account}:{name}"
        queue = sqs_backends[account][region].queues.get(name)
        if queue is not None:
            call.resource_tags = dict(getattr(queue, "tags", None) or {})
    tags = params.get("tags") if call.action == "sqs:CreateQueue" else params.get("Tags")
    if isinstance(tags, dict):
        call.request_tags = {str(k): str(v) for k, v in tags.items()}
        call.tag_keys = list(call.request_tags)
    elif isinstance(params.get("TagKeys"), list):
        call.tag_keys = [str(k) for k in params["TagKeys"]]


def _cloudwatch(call: Call, params: dict, region: str, account: str, partition: str) -> None:
    from moto.cloudwatch.models import cloudwatch_backends
    names = [v for k, v in sorted(params.items()) if re.fullmatch(r"AlarmNames\.member\.\d+", k)]
    if isinstance(params.get("AlarmName"), str):
        names = [params["AlarmName"]]
    arns = [f"arn:{partition}:cloudwatch:{region}:{account}:alarm:{n}" for n in names]
    if isinstance(params.get("ResourceARN"), str):
        arns = [params["ResourceARN"]]
    if arns:
        call.resource, call.more = arns[0], arns[1:]
        backend = cloudwatch_backends[account][region]
        try:
            call.resource_tags = dict(backend.list_tags_for_resource(arns[0]) or {})
        except Exception:  # noqa: BLE001 - no such alarm: no tags
            pass
    call.request_tags = _query_tags(params)
    if call.request_tags is not None:
        call.tag_keys = list(call.request_tags)


def call(service: str, action: str, params: dict[str, Any], query: list[tuple[str, str]],
         region: str, account: str) -> Call:
    """The authorization facts of one request."""
    partition = get_partition(region)
    service = IAM_PREFIX.get(service, service)
    name = (LAMBDA_ACTIONS.get(action, action) if service == "lambda"
            else SQS_ACTIONS.get(action, action) if service == "sqs" else action)
    found = Call(action=f"{service}:{name}", resource="*", free=f"{service}:{name}" in FREE)
    if service == "iam":
        _iam(found, params, account, partition)
    elif service == "lambda":
        _lambda(found, action, params, query, region, account, partition)
    elif service == "cognito-identity":
        _cognito(found, params, region, account, partition)
    elif service == "logs":
        _logs(found, params, region, account, partition)
    elif service == "sns":
        _sns(found, params, region, account, partition)
    elif service == "cloudwatch":
        _cloudwatch(found, params, region, account, partition)
    elif service == "sqs":
        _sqs(found, params, region, account, partition)
    if not dependent.resource_level(found.action):
        found.resource, found.resource_tags = "*", {}
    return found
