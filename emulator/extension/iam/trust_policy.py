"""CreateRole parses the role's trust policy as IAM does; moto 5.2.6 parses it only on UpdateAssumeRolePolicy.

IAM refuses a CreateRole whose ``AssumeRolePolicyDocument`` is not a policy
(not JSON, no statements, an action other than STS's, a ``Resource``) with
``MalformedPolicyDocument`` (HTTP 400), before it makes anything. moto's own
trust-policy validator (moto.iam.policy_validation, which UpdateAssumeRolePolicy
already uses) says which: "Syntax errors in policy.", "Has prohibited field
Resource." ...
"""

from typing import Any

from moto.iam.models import IAMBackend
from moto.iam.policy_validation import IAMTrustPolicyDocumentValidator


def install() -> None:
    """Patch moto's IAMBackend.create_role in-process."""
    create_role = IAMBackend.create_role

    def create_role_checked(self: Any, role_name: str, assume_role_policy_document: str,
                            *args: Any, **kwargs: Any) -> Any:
        IAMTrustPolicyDocumentValidator(assume_role_policy_document).validate()
        return create_role(self, role_name, assume_role_policy_document, *args, **kwargs)

    IAMBackend.create_role = create_role_checked
