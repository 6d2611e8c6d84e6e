"""Cognito Identity beyond moto: roles, tags, the classic flow, paging (models, responses), identities and their credentials (identities).

Reference: the Amazon Cognito Identity API Reference; Cognito Developer Guide,
"Identity pools authentication flow".
"""
