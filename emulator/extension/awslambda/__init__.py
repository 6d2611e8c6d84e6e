"""Lambda beyond moto: the code runs (runtime, rapi, process), versions and aliases, states, logs and metrics.

Reference: the AWS Lambda API Reference and Developer Guide ("Lambda runtime API",
"Lambda function states", "Lambda function versions", "Lambda function aliases",
"Monitoring functions with CloudWatch metrics").
"""
