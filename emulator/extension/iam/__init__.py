"""IAM beyond moto: policy-size quotas (policy_size), eventual consistency (propagation), ConcurrentModification and DeleteConflict (conflicts).

Reference: IAM User Guide, "IAM and AWS STS quotas" and "Troubleshoot IAM"
("Changes that I make are not always immediately visible"); the IAM API Reference.
"""
