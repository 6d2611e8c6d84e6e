"""Per-account IAM denials and disabled regions, enforced before a request reaches moto.

account.settings keeps, per account, ``deny`` (IAM actions
"<service>:<Action>", case-insensitive, ``*`` and ``?`` as in IAM) and
``disabled_regions``. They apply to SigV4-signed requests (unsigned calls,
such as Cognito's GetId, are not authorized by IAM). The service and region
come from the Authorization header's credential scope
(``Credential=AKID/date/region/service/aws4_request``); the account is
moto's (MOTO_ACCOUNT_ID, else the ``x-moto-account-id`` header, else the
access key's IAM account, else 123456789012); the action from X-Amz-Target
(JSON protocols), the ``Action`` parameter (query protocol: IAM, STS), or
the method and path (REST: Lambda, through moto's router of the botocore model;
Invoke is ``lambda:InvokeFunction``).

A request in a disabled region answers as AWS does for a region that is not
enabled: query protocol HTTP 403 InvalidClientTokenId, JSON protocols HTTP
400 UnrecognizedClientException, REST HTTP 403 UnrecognizedClientException,
each "The security token included in the request is invalid.".

A denied action answers AccessDenied in the service's own format: query
(IAM, STS) HTTP 403 ``<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied
</Code><Message>..</Message></Error><RequestId>..</RequestId></ErrorResponse>``;
REST (Lambda) HTTP 403, ``x-amzn-ErrorType: AccessDeniedException``,
``{"Message": ".."}``; JSON (cognito-identity, logs) HTTP 400
``{"__type": "AccessDeniedException", "message": ".."}``. The message is AWS's:
"User: arn:aws:iam::<account>:user/testing is not authorized to perform:
<action> on resource: <resource> because no identity-based policy allows the
<action> action", the resource being the function, role, log group or
identity pool the request names (else "*").
"""

import fnmatch
from typing import Any

from moto.utilities.utils import get_partition
from werkzeug.wrappers import Response

from extension.account import settings as account_settings
from extension.front import wire



def _resource(service: str, region: str, account: str, params: dict) -> str:
    partition = get_partition(region)
    if service == "lambda" and isinstance(params.get("FunctionName"), str):
        name = params["FunctionName"]
        return name if name.startswith("arn:") else (
            f"arn:{partition}:lambda:{region}:{account}:function:{name}")
    if service == "iam":
        if params.get("RoleName"):
            return f"arn:{partition}:iam::{account}:role{params.get('Path') or '/'}{params['RoleName']}"
        if params.get("PolicyArn"):
            return params["PolicyArn"]
        if params.get("UserName"):
            return f"arn:{partition}:iam::{account}:user/{params['UserName']}"
    if service == "sts" and params.get("RoleArn"):
        return params["RoleArn"]
    if service == "logs" and isinstance(params.get("logGroupName"), str):
        return f"arn:{partition}:logs:{region}:{account}:log-group:{params['logGroupName']}"
    if service == "cognito-identity" and isinstance(params.get("IdentityPoolId"), str):
        return f"arn:{partition}:cognito-identity:{region}:{account}:identitypool/{params['IdentityPoolId']}"
    return "*"


def _denied(deny: tuple[str, ...], action: str) -> bool:
    return any(fnmatch.fnmatchcase(action.lower(), pattern.lower()) for pattern in deny)


def refusal(environ: dict[str, Any]) -> Response | None:
    """The answer to a request that its account's settings refuse, else None."""
    if not account_settings.any_configured():
        return None
    match = wire.SCOPE.search(environ.get("HTTP_AUTHORIZATION") or "")
    if not match:
        return None
    access_key, region, service = match.groups()
    account = wire.account(environ, access_key)
    if not account_settings.configured(account):
        return None
    settings = account_settings.settings_for(account)
    protocol = wire.protocol(environ, service)
    if region in settings.disabled_regions:
        code = "InvalidClientTokenId" if protocol == "query" else "UnrecognizedClientException"
        return wire.error(service, protocol, code, wire.INVALID_TOKEN)
    if not settings.deny:
        return None
    action, params = wire.action(environ, service, protocol)
    if not action or not _denied(settings.deny, f"{wire.IAM_PREFIX.get(service, service)}:{action}"):
        return None
    iam_action = f"{wire.IAM_PREFIX.get(service, service)}:{action}"
    partition = get_partition(region)
    message = (f"User: arn:{partition}:iam::{account}:user/testing is not authorized to perform: "
               f"{iam_action} on resource: {_resource(service, region, account, params)} "
               f"because no identity-based policy allows the {iam_action} action")
    code = "AccessDenied" if protocol == "query" else "AccessDeniedException"
    return wire.error(service, protocol, code, message)

