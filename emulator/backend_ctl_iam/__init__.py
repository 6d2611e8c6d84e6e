"""backend-ctl's IAM additions to moto 5.2.5, one module per concern (moto's layout).

* ``policy_size``: IAM's policy-size quotas (2,048 / 10,240 / 5,120 for a
  user's / role's / group's inline policies in all, 6,144 for a managed
  policy; whitespace not counted), answered with LimitExceeded;
* ``conflicts``: the ``iam_delete_conflict`` and ``iam_concurrent_modification``
  switches (DeleteConflict and ConcurrentModification while a change of a
  role propagates);
* ``authorization``: requests signed with the access key of an IAM user that
  is switched on (``POST /backend-ctl/authorize``) are verified and evaluated
  against the user's policies, as IAM does (opt-in).
"""

from . import authorization, conflicts, policy_size


def install() -> None:
    """Patch moto in-process; the size check runs inside the conflict checks."""
    policy_size.install()
    conflicts.install()
    authorization.install()
