"""Tests of sns.subscriptions: email subscriptions pending confirmation, the published record,
topic tags and deletion, against a launched server.

Run: .venv/bin/python -m pytest emulator -q
"""

import json
import re
import urllib.parse
import urllib.request

import pytest
from botocore.exceptions import ClientError

from server import ACCOUNT, REGION, clients, error_of, unique
from metric_queries import post, published

CONFIRM = "/backend-ctl/sns/confirm"


@pytest.fixture(scope="module")
def sns(endpoint):
    return clients(endpoint)("sns")


def listed(sns, topic: str) -> dict[str, str]:
    """Endpoint -> SubscriptionArn, as ListSubscriptionsByTopic shows them."""
    return {s["Endpoint"]: s["SubscriptionArn"]
            for s in sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]}


def counts(sns, topic: str) -> tuple[str, str]:
    attributes = sns.get_topic_attributes(TopicArn=topic)["Attributes"]
    return attributes["SubscriptionsPending"], attributes["SubscriptionsConfirmed"]


def test_email_subscription_waits_for_its_owner(sns, endpoint):
    topic = sns.create_topic(Name=unique("ops"))["TopicArn"]
    address = f"{unique('oncall')}@example.com"
    assert sns.subscribe(TopicArn=topic, Protocol="email",
                         Endpoint=address)["SubscriptionArn"] == "pending confirmation"
    assert listed(sns, topic) == {address: "PendingConfirmation"}
    everywhere = sns.list_subscriptions()["Subscriptions"]
    assert {"SubscriptionArn": "PendingConfirmation", "Owner": ACCOUNT, "Protocol": "email",
            "Endpoint": address, "TopicArn": topic} in everywhere
    assert counts(sns, topic) == ("1", "0")
    arn = sns.subscribe(TopicArn=topic, Protocol="email", Endpoint=address,
                        ReturnSubscriptionArn=True)["SubscriptionArn"]
    assert re.fullmatch(re.escape(topic) + r":[0-9a-f-]{36}", arn)
    attributes = sns.get_subscription_attributes(SubscriptionArn=arn)["Attributes"]
    assert (attributes["PendingConfirmation"], attributes["ConfirmationWasAuthenticated"]) == (
        "true", "false")
    assert sns.subscribe(TopicArn=topic, Protocol="email",
                         Endpoint=address)["SubscriptionArn"] == "pending confirmation"

    assert post(endpoint, CONFIRM, topic=topic, endpoint=address) == (200, {"SubscriptionArn": arn})
    assert listed(sns, topic) == {address: arn}
    assert sns.get_subscription_attributes(SubscriptionArn=arn)["Attributes"][
        "PendingConfirmation"] == "false"
    assert counts(sns, topic) == ("0", "1")
    assert sns.subscribe(TopicArn=topic, Protocol="email", Endpoint=address)["SubscriptionArn"] == arn
    assert post(endpoint, CONFIRM, topic=topic, endpoint=address) == (200, {"SubscriptionArn": arn})


def test_confirm_endpoint_errors(sns, endpoint):
    topic = sns.create_topic(Name=unique("ops"))["TopicArn"]
    status, body = post(endpoint, CONFIRM, topic=topic, endpoint="nobody@example.com")
    assert status == 404 and "nobody@example.com" in body["message"]
    assert post(endpoint, CONFIRM, topic=topic)[0] == 400


def test_confirm_subscription_with_the_token(sns, endpoint):
    topic = sns.create_topic(Name=unique("ops"))["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="email-json", Endpoint="hooks@example.com")
    url = f"{endpoint}/backend-ctl/sns/pending?topic={urllib.parse.quote(topic, safe='')}"
    with urllib.request.urlopen(url) as reply:
        pending = json.loads(reply.read())["Subscriptions"]
    assert [(p["Protocol"], p["Endpoint"]) for p in pending] == [("email-json", "hooks@example.com")]
    with pytest.raises(ClientError) as excinfo:
        sns.confirm_subscription(TopicArn=topic, Token="0" * 256)
    assert error_of(excinfo)[0] == "InvalidParameter"
    arn = sns.confirm_subscription(TopicArn=topic, Token=pending[0]["Token"])["SubscriptionArn"]
    assert listed(sns, topic) == {"hooks@example.com": arn}


def test_other_protocols_are_confirmed_at_once(sns, endpoint):
    topic = sns.create_topic(Name=unique("ops"))["TopicArn"]
    queue = f"arn:aws:sqs:{REGION}:{ACCOUNT}:{unique('q')}"
    arn = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue)["SubscriptionArn"]
    assert arn.startswith(topic + ":") and listed(sns, topic) == {queue: arn}
    assert counts(sns, topic) == ("0", "1")


def test_published_messages_are_recorded(sns, endpoint):
    topic = sns.create_topic(Name=unique("ops"))["TopicArn"]
    other = sns.create_topic(Name=unique("ops"))["TopicArn"]
    first = sns.publish(TopicArn=topic, Message="hello", Subject="greeting")["MessageId"]
    second = sns.publish(TopicArn=topic, Message="again")["MessageId"]
    sns.publish(TopicArn=other, Message="elsewhere")
    messages = published(endpoint, topic)
    assert [(m["MessageId"], m["TopicArn"], m["Subject"], m["Message"]) for m in messages] == [
        (first, topic, "greeting", "hello"), (second, topic, None, "again")]
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", m["Timestamp"])
               for m in messages)


def test_topic_tags_and_deletion(sns):
    topic = sns.create_topic(Name=unique("ops"), Tags=[{"Key": "team", "Value": "ops"}])["TopicArn"]
    sns.tag_resource(ResourceArn=topic, Tags=[{"Key": "tier", "Value": "1"}])
    tags = sns.list_tags_for_resource(ResourceArn=topic)["Tags"]
    assert sorted((t["Key"], t["Value"]) for t in tags) == [("team", "ops"), ("tier", "1")]
    sns.untag_resource(ResourceArn=topic, TagKeys=["team"])
    assert sns.list_tags_for_resource(ResourceArn=topic)["Tags"] == [{"Key": "tier", "Value": "1"}]
    sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="gone@example.com")
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=f"arn:aws:sqs:{REGION}:{ACCOUNT}:q")
    sns.delete_topic(TopicArn=topic)
    assert [s for s in sns.list_subscriptions()["Subscriptions"] if s["TopicArn"] == topic] == []
    with pytest.raises(ClientError) as excinfo:
        sns.list_subscriptions_by_topic(TopicArn=topic)
    assert error_of(excinfo)[0] == "NotFound"
