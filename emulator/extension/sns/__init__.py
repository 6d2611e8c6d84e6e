"""SNS beyond moto: email subscriptions pending until confirmed, and the published messages read back (subscriptions).

Reference: the Amazon SNS API Reference (Subscribe, ConfirmSubscription, Publish).
"""
