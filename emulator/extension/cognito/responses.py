"""Cognito Identity's wire side: one method per action, as moto dispatches them.

moto dispatches cognito-identity on ``X-Amz-Target:
AWSCognitoIdentityService.<Action>`` to the ``CognitoIdentityResponse`` method
named after the action, so a new action is a new method here. Errors are
moto ``JsonRESTError``s: HTTP 400 with ``{"__type": "<Code>", "message":
"..."}``, as the AWS JSON 1.1 protocol does. The state is ``models``.
"""

from typing import Any

from moto.cognitoidentity.models import CognitoIdentityBackend, CognitoIdentityPool
from moto.cognitoidentity.responses import CognitoIdentityResponse

from extension.cognito.models import BackendPatch, PoolPatch, error


def _install(target: type, patch: type) -> None:
    """Copy ``patch``'s methods onto moto's ``target`` class."""
    for name, attr in vars(patch).items():
        if callable(attr) and not name.startswith("__"):
            setattr(target, name, attr)


class ResponsePatch:
    """Methods for CognitoIdentityResponse: one per action (X-Amz-Target)."""

    def _required(self: Any, name: str) -> Any:
        value = self._get_param(name)
        if value is None:
            field = name[0].lower() + name[1:]
            raise error(
                "ValidationException",
                f"1 validation error detected: Value null at '{field}' failed to "
                "satisfy constraint: Member must not be null",
            )
        return value

    def create_identity_pool(self: Any) -> str:
        return self.backend.create_identity_pool(
            identity_pool_name=self._required("IdentityPoolName"),
            allow_unauthenticated_identities=self._required("AllowUnauthenticatedIdentities"),
            allow_classic_flow=self._get_param("AllowClassicFlow", False),
            supported_login_providers=self._get_param("SupportedLoginProviders"),
            developer_provider_name=self._get_param("DeveloperProviderName"),
            open_id_connect_provider_arns=self._get_param("OpenIdConnectProviderARNs"),
            cognito_identity_providers=self._get_param("CognitoIdentityProviders"),
            saml_provider_arns=self._get_param("SamlProviderARNs"),
            tags=self._get_param("IdentityPoolTags"),
        )

    def update_identity_pool(self: Any) -> str:
        return self.backend.update_identity_pool(
            self._required("IdentityPoolId"),
            identity_pool_name=self._required("IdentityPoolName"),
            allow_unauthenticated=self._required("AllowUnauthenticatedIdentities"),
            allow_classic_flow=self._get_param("AllowClassicFlow", False),
            login_providers=self._get_param("SupportedLoginProviders"),
            provider_name=self._get_param("DeveloperProviderName"),
            provider_arns=self._get_param("OpenIdConnectProviderARNs"),
            identity_providers=self._get_param("CognitoIdentityProviders"),
            saml_providers=self._get_param("SamlProviderARNs"),
            tags=self._get_param("IdentityPoolTags"),
        )

    def list_identity_pools(self: Any) -> str:
        # MaxResults 1..60: the model's constraint, refused at the door (front.validation).
        return self.backend.list_identity_pools_page(int(self._required("MaxResults")),
                                                     self._get_param("NextToken"))

    def get_id(self: Any) -> str:
        return self.backend.get_id(self._required("IdentityPoolId"), self._get_param("Logins"))

    def get_credentials_for_identity(self: Any) -> str:
        return self.backend.credentials_for_identity(
            self._required("IdentityId"), self._get_param("Logins")
        )

    def set_identity_pool_roles(self: Any) -> str:
        self.backend.set_identity_pool_roles(
            self._required("IdentityPoolId"),
            self._required("Roles"),
            self._get_param("RoleMappings") or {},
        )
        return ""

    def get_identity_pool_roles(self: Any) -> str:
        return self.backend.get_identity_pool_roles(self._required("IdentityPoolId"))

    def tag_resource(self: Any) -> str:
        self.backend.tag_resource(self._required("ResourceArn"), self._required("Tags"))
        return "{}"

    def untag_resource(self: Any) -> str:
        self.backend.untag_resource(self._required("ResourceArn"), self._required("TagKeys"))
        return "{}"

    def list_tags_for_resource(self: Any) -> str:
        return self.backend.list_tags_for_resource(self._required("ResourceArn"))


def install() -> None:
    """Complete moto's identity pools: their state (models) and their actions."""
    _install(CognitoIdentityPool, PoolPatch)
    _install(CognitoIdentityBackend, BackendPatch)
    _install(CognitoIdentityResponse, ResponsePatch)
