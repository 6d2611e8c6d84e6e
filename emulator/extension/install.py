"""Installs the extension into moto, each service's additions in the one order written here.

Most additions wrap a method of moto's (a backend's ``create_function``, a
response's ``invoke``): the one installed later runs first, around the ones
before it. The order below is therefore AWS's order of checks on a call,
read from the bottom up; each line says what it must come after. The front
door (front.door) is last: it is the one patch of moto's WSGI app.
"""

from moto.moto_api._internal.models import moto_api_backend

from extension.account import settings as account
from extension.awslambda import aliases, api, event_config, runtime, states, versions
from extension.awslambda import logs as lambda_logs
from extension.cloudwatch import alarms, metric_data
from extension.cognito import identities, responses as pools
from extension.front import account_rules, cbor, dispatch, door, issued, switches, validation
from extension.front.authorization import users
from extension.iam import conflicts as iam_conflicts, policy_size, propagation, trust_policy
from extension.logs import conflicts as logs_conflicts
from extension.sns import subscriptions
from extension.sqs import metrics as sqs_metrics, recreate as sqs_recreate


_installed = False


def install() -> None:
    """Patch moto in-process, once; call before the server serves its first request."""
    global _installed
    if _installed:
        return
    _installed = True
    # Lambda without Docker selects a separate store: set before any function exists.
    moto_api_backend.set_config({"lambda": {"use_docker": False}})
    states.install()  # Pending / InProgress and the role check: innermost, moto's state changes
    trust_policy.install()  # innermost of create_role: a malformed trust policy makes nothing
    propagation.install()  # marks each change of a role, for the checks below to read
    policy_size.install()  # over the marks: a policy too large is refused before it is marked
    iam_conflicts.install()  # over the size check: ConcurrentModification comes first
    users.install()  # reads the Service Authorization Reference's data
    logs_conflicts.install()
    account.install()  # over states: a memory limit is refused before a role problem
    api.install()  # over account and states: a bad zip or architecture is refused first
    versions.install()  # over api's and states' update wrappers: RevisionId first
    aliases.install()  # uses versions' revisions
    event_config.install()  # over versions' and aliases' deletes: a qualifier's settings go with it
    lambda_logs.install()
    pools.install()  # identity pools' state and actions
    identities.install()  # over pools: GetId / GetCredentialsForIdentity issue credentials
    metric_data.install()
    alarms.install()  # over metric_data: evaluates alarms on each datapoint; starts the evaluator
    subscriptions.install()
    sqs_metrics.install()  # publishes into CloudWatch, whose alarms are installed above
    sqs_recreate.install()  # moto's queue create and delete: no order to keep
    dispatch.install()  # moto's per-request backend lookup, read once: no order to keep
    door.install(
        wrappers=[cbor.wrapper],  # outermost: the CBOR call as signed, then as a query call
        checks=[
            issued.refusal,  # credentials the emulator issued: authenticated first
            account_rules.refusal,  # an account's denied actions and disabled regions
            users.refusal,  # IAM users switched on: signature, then their policies
            validation.refusal,  # the operation's model: after who may call it, before moto
        ],
        routes={**switches.ROUTES, **account.ROUTES, **users.ROUTES},
        prefixes={identities.PATH: identities.endpoint_app,
                  subscriptions.PATH: subscriptions.endpoint_app,
                  api.CODE_PATH: api.code_app},
        resets=[subscriptions.reset, alarms.reset, sqs_metrics.reset, sqs_recreate.reset, identities.reset, runtime.stop_all,
                users.reset],
    )
