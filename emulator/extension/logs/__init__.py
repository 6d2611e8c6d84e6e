"""CloudWatch Logs beyond moto: OperationAbortedException on back-to-back changes of one group (conflicts).

Reference: the Amazon CloudWatch Logs API Reference (common errors).
"""
