"""IAM's policy-size quotas, which moto 5.2.6 does not enforce.

The IAM User Guide ("IAM and AWS STS quotas", character limits): a user's,
role's or group's inline policies may be as many as you like, but their
aggregate size may not exceed 2,048 characters for a user, 10,240 for a
role and 5,120 for a group; a managed policy may not exceed 6,144; "IAM does
not count white space when calculating the size of a policy". Here the size
of a document is its number of characters once every whitespace character
(``str.isspace``) is removed, inside JSON strings or not.

* PutUserPolicy / PutRolePolicy / PutGroupPolicy: the entity's other inline
  policies plus the new document (a policy of the same name is replaced, so
  only the new one counts) must fit, else LimitExceeded "Maximum policy size
  of 2048 bytes exceeded for user <name>" (role: 10240 ... for role <name>;
  group: 5120 ... for group <name>);
* CreatePolicy / CreatePolicyVersion: the document must fit in 6,144, else
  LimitExceeded "Cannot exceed quota for PolicySize: 6144".

LimitExceeded is IAM's query-protocol error, HTTP 409 (botocore's model), in
moto's XML ``<ErrorResponse>``. The texts are the ones users met on AWS:
"Maximum policy size of 2048 bytes exceeded for user mapsnap-mirror"
(danvk/mapsnap#483; ministryofjustice/cloud-platform-environments#5302),
"... 10240 bytes exceeded for role ..." with ``Status Code: 409; Error Code:
LimitExceeded`` (serverless/serverless#7643, gchq/sleeper#1459), "... 5120
bytes exceeded for group travis-ci" (HumanCellAtlas/data-store#1963) and
"Cannot exceed quota for PolicySize: 6144" (cloud-platform-environments#14473,
aws-cloudformation/cfn-lint#3871). One 2025 report of a policy update reads
"Cannot exceed the quota for PolicySize: 6144." (LBHackney-IT/Data-Platform
#2116); the older wording is kept for both calls.

Checked in moto's IAMBackend methods, after the entity lookup (NoSuchEntity)
and the document's validation (MalformedPolicyDocument), before anything is
stored: the backend holds the entity's other inline policies, which the
aggregate needs, and every way in (the query API, CloudFormation) passes
there; a WSGI-level check (as front.account_rules does) would have to parse
the request and then read the same state anyway.
"""

import json
from typing import Any, Callable

from moto.iam.exceptions import LimitExceededException
from moto.iam.models import IAMBackend
from moto.iam.policy_validation import IAMPolicyDocumentValidator

USER_LIMIT, ROLE_LIMIT, GROUP_LIMIT, MANAGED_LIMIT = 2048, 10240, 5120, 6144


def policy_size(document: Any) -> int:
    """The size IAM counts: characters, whitespace excluded."""
    text = document if isinstance(document, str) else json.dumps(document)
    return sum(1 for char in text if not char.isspace())


def check_inline(kind: str, limit: int, entity: Any, policy_name: str, document: str) -> None:
    """Refuse ``document`` if the entity's inline policies would exceed ``limit``."""
    others = sum(policy_size(doc) for name, doc in entity.policies.items() if name != policy_name)
    if others + policy_size(document) > limit:
        raise LimitExceededException(
            f"Maximum policy size of {limit} bytes exceeded for {kind} {entity.name}"
        )


def check_managed(document: str) -> None:
    if policy_size(document) > MANAGED_LIMIT:
        raise LimitExceededException(f"Cannot exceed quota for PolicySize: {MANAGED_LIMIT}")


def _inline(kind: str, limit: int, lookup: str, original: Callable) -> Callable:
    def put_policy(self: Any, entity_name: str, policy_name: str, policy_json: str) -> None:
        entity = getattr(self, lookup)(entity_name)  # NoSuchEntity first
        IAMPolicyDocumentValidator(policy_json).validate()
        check_inline(kind, limit, entity, policy_name, policy_json)
        original(self, entity_name, policy_name, policy_json)

    return put_policy


def install() -> None:
    """Patch moto's IAMBackend in-process."""
    if getattr(IAMBackend, "_bc_policy_size", False):
        return
    IAMBackend._bc_policy_size = True
    create_policy, create_version = IAMBackend.create_policy, IAMBackend.create_policy_version

    def create_policy_checked(self: Any, description: str, path: str, policy_document: str,
                              policy_name: str, tags: Any) -> Any:
        IAMPolicyDocumentValidator(policy_document).validate()
        check_managed(policy_document)
        return create_policy(self, description, path, policy_document, policy_name, tags)

    def create_policy_version(self: Any, policy_arn: str, policy_document: str,
                              set_as_default: bool) -> Any:
        IAMPolicyDocumentValidator(policy_document).validate()
        self.get_policy(policy_arn)  # NoSuchEntity before the size
        check_managed(policy_document)
        return create_version(self, policy_arn, policy_document, set_as_default)

    IAMBackend.put_user_policy = _inline("user", USER_LIMIT, "get_user",
                                         IAMBackend.put_user_policy)
    IAMBackend.put_role_policy = _inline("role", ROLE_LIMIT, "get_role",
                                         IAMBackend.put_role_policy)
    IAMBackend.put_group_policy = _inline("group", GROUP_LIMIT, "get_group",
                                          IAMBackend.put_group_policy)
    IAMBackend.create_policy = create_policy_checked
    IAMBackend.create_policy_version = create_policy_version
