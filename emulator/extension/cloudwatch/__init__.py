"""CloudWatch beyond moto: GetMetricData statistics and percentiles (metric_data), alarms evaluated (alarms), their SNS messages (notices).

Reference: the Amazon CloudWatch API Reference; CloudWatch User Guide,
"Using Amazon CloudWatch alarms" (evaluation, missing data, the SNS message).
"""
