"""backend-ctl's CloudWatch Logs additions to moto 5.2.5 (moto's layout: one package per service).

* ``conflicts``: the ``logs_operation_aborted`` switch (OperationAbortedException
  on a change of a log group made too soon after another).

The Logs of the Lambda runtime are ``backend_ctl_lambda_logs``.
"""

from . import conflicts


def install() -> None:
    """Patch moto in-process."""
    conflicts.install()
