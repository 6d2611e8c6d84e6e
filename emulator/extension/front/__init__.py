"""What every request meets before moto: the door (door), then signatures and authorization.

References: AWS Signature Version 4 (IAM User Guide, "Signing AWS API requests");
the IAM policy evaluation logic (IAM User Guide, "Policy evaluation logic");
the Service Authorization Reference (dependent actions, resource types);
Smithy's RPC v2 CBOR protocol; Cognito Developer Guide, "IAM roles" (the
scope-down of guest sessions).
"""
