"""SQS beyond moto: the AWS/SQS metrics of every queue, published each minute into CloudWatch (metrics); QueueDeletedRecently (recreate).

Reference: the Amazon SQS Developer Guide, "Available CloudWatch metrics for
Amazon SQS" and "Monitoring Amazon SQS queues using CloudWatch"; the SQS API Reference
(DeleteQueue, CreateQueue).
"""
