"""The account: Lambda's GetAccountSettings, its concurrency floor and memory limit, denied actions and disabled regions (settings).

Reference: AWS Lambda Developer Guide, "Lambda quotas"; AWS General Reference,
"Specify which AWS Regions your account can use".
"""
