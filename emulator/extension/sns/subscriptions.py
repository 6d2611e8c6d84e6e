"""SNS as AWS has it where moto 5.2.6 differs: email confirmation, and what was published.

Faithful to the SNS API reference (Subscribe, ConfirmSubscription,
ListSubscriptions, ListSubscriptionsByTopic, GetSubscriptionAttributes,
GetTopicAttributes) and the SNS developer guide ("Email notifications":
the owner of the address confirms with the link of the confirmation
message):

* Subscribe with Protocol ``email`` or ``email-json`` creates a subscription
  pending confirmation (moto confirmed it at once): Subscribe answers
  SubscriptionArn "pending confirmation" ("The ARN of the subscription if it
  is confirmed, or the string "pending confirmation" if the subscription
  requires confirmation. However, if the API request parameter
  ReturnSubscriptionArn is true, then the value is always the subscription
  ARN"); ListSubscriptions / ListSubscriptionsByTopic show its
  SubscriptionArn as "PendingConfirmation"; GetSubscriptionAttributes (by
  the ARN ReturnSubscriptionArn gave) has PendingConfirmation "true" and
  ConfirmationWasAuthenticated "false"; subscribing the address again while
  pending answers "pending confirmation" again. Nothing is delivered to it.
* Once confirmed (the owner following the link: ``POST
  /backend-ctl/sns/confirm``; or ConfirmSubscription with the subscription's
  Token) it keeps its ARN, which every listing shows, and PendingConfirmation
  is "false". ConfirmSubscription with a token no pending subscription of
  the topic has answers InvalidParameter "Invalid parameter: Token".
* GetTopicAttributes counts SubscriptionsPending and SubscriptionsConfirmed.
* DeleteTopic deletes its subscriptions (moto does); TagResource /
  ListTagsForResource / UntagResource on topics are moto's.

Every message published to a topic (Publish, PublishBatch, CloudWatch alarm
actions) is remembered, for tests, over HTTP:

    GET  /backend-ctl/sns/published[?topic=<topic ARN>]
         -> {"Messages": [{"MessageId", "TopicArn", "Subject" (or null), "Message",
             "Timestamp": "2024-05-01T12:00:00.123Z"}]}        (publish order)
    GET  /backend-ctl/sns/pending[?topic=<topic ARN>]
         -> {"Subscriptions": [{"TopicArn", "Protocol", "Endpoint", "Token"}]}
    POST /backend-ctl/sns/confirm?topic=<topic ARN>&endpoint=<address>
         -> 200 {"SubscriptionArn": "arn:aws:sns:...:<topic>:<id>"} (also when it
            was confirmed already); 404 {"message"} when the topic has no email
            subscription of that address; 400 {"message"} without both parameters

POST /moto-api/reset forgets the published messages.
"""

import json
import secrets
import threading
from datetime import datetime, timezone
from typing import Any, Callable

from moto.core.responses import ActionResult
from moto.sns.exceptions import SNSInvalidParameter, SNSNotFoundError
from moto.sns.models import SNSBackend, Subscription, Topic, sns_backends
from moto.sns.responses import SNSResponse
from werkzeug.wrappers import Request, Response

PATH = "/backend-ctl/sns/"
CONFIRMED_BY_OWNER = ("email", "email-json")
_lock = threading.Lock()
_published: list[dict[str, Any]] = []


def pending(subscription: Subscription) -> bool:
    return subscription.attributes.get("PendingConfirmation") in ("true", True)


def _confirm(subscription: Subscription, authenticated: bool = False) -> str:
    subscription.attributes["PendingConfirmation"] = "false"
    subscription.attributes["ConfirmationWasAuthenticated"] = "true" if authenticated else "false"
    return subscription.arn


def _listed(subscription: Subscription) -> Any:
    if not pending(subscription):
        return subscription
    return {"SubscriptionArn": "PendingConfirmation", "Owner": subscription.owner,
            "Protocol": subscription.protocol, "Endpoint": subscription.endpoint,
            "TopicArn": subscription.topic.arn}


def _topic_backend(topic_arn: str) -> SNSBackend | None:
    parts = (topic_arn or "").split(":")
    if len(parts) != 6 or parts[2] != "sns":
        return None
    return sns_backends[parts[4]][parts[3]]


def _subscriptions_of(topic_arn: str) -> list[Subscription]:
    backend = _topic_backend(topic_arn)
    if backend is None:
        return []
    return [s for s in list(backend.subscriptions.values()) if s.topic.arn == topic_arn]


# --- moto's classes -----------------------------------------------------------------------


def _patch_publish(original: Callable) -> Callable:
    def publish(self: Topic, message: str, subject: str | None = None, *args: Any,
                **kwargs: Any) -> str:
        message_id = original(self, message, subject, *args, **kwargs)
        now = datetime.now(timezone.utc)
        with _lock:
            _published.append({"MessageId": message_id, "TopicArn": self.arn, "Subject": subject,
                               "Message": message, "Timestamp": now.strftime("%Y-%m-%dT%H:%M:%S.")
                               + f"{now.microsecond // 1000:03d}Z"})
        return message_id

    return publish


def _patch_subscribe(original: Callable) -> Callable:
    def subscribe(self: SNSBackend, topic_arn: str, endpoint: str, protocol: str) -> Subscription:
        existing = self._find_subscription(topic_arn, endpoint, protocol)
        subscription = original(self, topic_arn, endpoint, protocol)
        if existing is None and protocol in CONFIRMED_BY_OWNER:
            subscription.attributes["PendingConfirmation"] = "true"
            subscription.attributes["ConfirmationWasAuthenticated"] = "false"
            subscription.bc_token = secrets.token_hex(128)
        return subscription

    return subscribe


def _counter(want_pending: bool) -> property:
    def count(self: Topic) -> int:
        return sum(1 for s in list(self.sns_backend.subscriptions.values())
                   if s.topic is self and pending(s) == want_pending)

    return property(count, lambda self, value: None)


class _ResponsePatch:
    """SNSResponse methods (``_orig_<name>``: moto's)."""

    def subscribe(self: Any) -> ActionResult:
        answer = self._orig_subscribe()
        subscription = self.backend._find_subscription(
            self._get_param("TopicArn"), self._get_param("Endpoint"), self._get_param("Protocol"))
        if (subscription is not None and pending(subscription)
                and not self._get_bool_param("ReturnSubscriptionArn", False)):
            return ActionResult({"SubscriptionArn": "pending confirmation"})
        return answer

    def list_subscriptions(self: Any) -> ActionResult:
        answer = self._orig_list_subscriptions()
        result = dict(answer.result)
        result["Subscriptions"] = [_listed(s) for s in result["Subscriptions"]]
        return ActionResult(result)

    def list_subscriptions_by_topic(self: Any) -> ActionResult:
        answer = self._orig_list_subscriptions_by_topic()
        result = dict(answer.result)
        result["Subscriptions"] = [_listed(s) for s in result["Subscriptions"]]
        return ActionResult(result)

    def confirm_subscription(self: Any) -> ActionResult:
        topic_arn, token = self._get_param("TopicArn"), self._get_param("Token")
        if topic_arn not in self.backend.topics:
            raise SNSNotFoundError("Topic does not exist")
        authenticated = self._get_bool_param("AuthenticateOnUnsubscribe", False)
        for subscription in _subscriptions_of(topic_arn):
            if token and getattr(subscription, "bc_token", None) == token:
                return ActionResult({"SubscriptionArn": _confirm(subscription, authenticated)})
        raise SNSInvalidParameter("Invalid parameter: Token")


# --- the HTTP endpoints -------------------------------------------------------------------


def _json(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body), status, mimetype="application/json")


def _published_route(request: Request) -> Response:
    if request.method != "GET":
        return Response("", 405, {"Allow": "GET"})
    topic = request.args.get("topic")
    with _lock:
        messages = [dict(m) for m in _published if topic is None or m["TopicArn"] == topic]
    return _json({"Messages": messages})


def _pending_route(request: Request) -> Response:
    if request.method != "GET":
        return Response("", 405, {"Allow": "GET"})
    topic = request.args.get("topic")
    found = []
    for _, _, backend in list(sns_backends.iter_backends()):
        for s in list(backend.subscriptions.values()):
            if pending(s) and (topic is None or s.topic.arn == topic):
                found.append({"TopicArn": s.topic.arn, "Protocol": s.protocol,
                              "Endpoint": s.endpoint, "Token": getattr(s, "bc_token", None)})
    return _json({"Subscriptions": found})


def _confirm_route(request: Request) -> Response:
    if request.method != "POST":
        return Response("", 405, {"Allow": "POST"})
    topic, endpoint = request.args.get("topic"), request.args.get("endpoint")
    if not topic or not endpoint:
        return _json({"message": "topic and endpoint query parameters are required"}, 400)
    for subscription in _subscriptions_of(topic):
        if subscription.protocol in CONFIRMED_BY_OWNER and subscription.endpoint == endpoint:
            return _json({"SubscriptionArn": _confirm(subscription)})
    return _json({"message": f"No email subscription of {endpoint} to {topic}"}, 404)


def endpoint_app(environ: dict[str, Any], start_response: Callable) -> Any:
    """WSGI app serving /backend-ctl/sns/published, .../pending and .../confirm."""
    request = Request(environ)
    routes = {PATH + "published": _published_route, PATH + "pending": _pending_route,
              PATH + "confirm": _confirm_route}
    route = routes.get(request.path)
    response = route(request) if route else _json({"message": f"No route {request.path}"}, 404)
    return response(environ, start_response)


def install() -> None:
    """Patch moto in-process; call before the server serves its first request."""
    Topic.publish = _patch_publish(Topic.publish)
    Topic.subscriptions_pending = _counter(True)
    Topic.subscriptions_confimed = _counter(False)  # moto's spelling
    SNSBackend.subscribe = _patch_subscribe(SNSBackend.subscribe)
    for name, method in vars(_ResponsePatch).items():
        if callable(method) and not name.startswith("__"):
            if hasattr(SNSResponse, name):
                setattr(SNSResponse, f"_orig_{name}", getattr(SNSResponse, name))
            setattr(SNSResponse, name, method)


def reset() -> None:
    """Forget the published messages (POST /moto-api/reset)."""
    with _lock:
        _published.clear()
