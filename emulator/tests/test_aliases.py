"""Tests of awslambda.aliases: CreateAlias, GetAlias, UpdateAlias, DeleteAlias, ListAliases.

Every end state is read back through the API. Run: .venv/bin/python -m pytest emulator -q
"""

import pytest
from botocore.exceptions import ClientError

from server import ACCOUNT, REGION, error_of, unique
from stacks import make_function

STALE = ("The Revision Id provided does not match the latest Revision Id. Call the "
         "GetFunction/GetAlias API to retrieve the latest Revision Id")
WEIGHT_VALUE = ("Map value must satisfy constraint: [Member must have value less than or equal "
                "to 1.0, Member must have value greater than or equal to 0.0, Member must not "
                "be null]")
WEIGHT_KEY = ("Map keys must satisfy constraint: [Member must have length less than or equal "
              "to 1024, Member must have length greater than or equal to 1, Member must "
              "satisfy regular expression pattern: [0-9]+]")


@pytest.fixture(scope="module")
def raw(make):
    """A client that sends what it is given (no client-side validation)."""
    return make("lambda", parameter_validation=False)


@pytest.fixture
def fn(lam, role):
    """A function with versions 1 and 2."""
    name = make_function(lam, role)
    lam.publish_version(FunctionName=name)
    lam.update_function_configuration(FunctionName=name, Timeout=5)
    lam.publish_version(FunctionName=name)
    return name


def arn(name: str, qualifier: str | None = None) -> str:
    base = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"
    return f"{base}:{qualifier}" if qualifier else base


def refused(request) -> tuple[str, int, str]:
    with pytest.raises(ClientError) as excinfo:
        request()
    return error_of(excinfo)


def invalid(field: str, value: str, constraint: str) -> tuple[str, int, str]:
    return ("ValidationException", 400, f"1 validation error detected: Value '{value}' at "
            f"'{field}' failed to satisfy constraint: {constraint}")


def status(answer: dict) -> int:
    return answer["ResponseMetadata"]["HTTPStatusCode"]


def test_alias_lifecycle_and_revisions(lam, fn):
    created = lam.create_alias(FunctionName=fn, Name="live", FunctionVersion="1",
                               Description="the app's")
    assert status(created) == 201
    shape = {k: v for k, v in created.items() if k != "ResponseMetadata"}
    assert shape == {"AliasArn": arn(fn, "live"), "Name": "live", "FunctionVersion": "1",
                     "Description": "the app's", "RevisionId": created["RevisionId"]}
    got = lam.get_alias(FunctionName=fn, Name="live")
    assert status(got) == 200 and got["RevisionId"] == created["RevisionId"]

    moved = lam.update_alias(FunctionName=fn, Name="live", FunctionVersion="2",
                             RevisionId=created["RevisionId"])
    assert status(moved) == 200
    assert (moved["FunctionVersion"], moved["Description"]) == ("2", "the app's")
    assert moved["RevisionId"] != created["RevisionId"]
    with pytest.raises(ClientError) as excinfo:  # a rollback from a stale read
        lam.update_alias(FunctionName=fn, Name="live", FunctionVersion="1",
                         RevisionId=created["RevisionId"])
    assert error_of(excinfo) == ("PreconditionFailedException", 412, STALE)
    headers = excinfo.value.response["ResponseMetadata"]["HTTPHeaders"]
    assert headers["x-amzn-errortype"] == "PreconditionFailedException"
    assert excinfo.value.response["Type"] == "User"
    assert lam.get_alias(FunctionName=fn, Name="live")["FunctionVersion"] == "2"

    unchanged = lam.update_alias(FunctionName=fn, Name="live")  # a new RevisionId all the same
    assert unchanged["RevisionId"] != moved["RevisionId"]
    assert unchanged["FunctionVersion"] == "2"
    back = lam.update_alias(FunctionName=fn, Name="live", FunctionVersion="1",
                            RevisionId=unchanged["RevisionId"])
    assert lam.get_alias(FunctionName=fn, Name="live")["RevisionId"] == back["RevisionId"]
    assert lam.get_function(FunctionName=fn, Qualifier="live")["Configuration"]["Version"] == "1"

    assert status(lam.delete_alias(FunctionName=fn, Name="live")) == 204
    assert status(lam.delete_alias(FunctionName=fn, Name="live")) == 204  # absent: no error
    assert refused(lambda: lam.get_alias(FunctionName=fn, Name="live")) == (
        "ResourceNotFoundException", 404, f"Cannot find alias arn: {arn(fn, 'live')}")
    assert refused(lambda: lam.update_alias(FunctionName=fn, Name="live")) == (
        "ResourceNotFoundException", 404, f"Alias not found: {arn(fn, 'live')}")
    assert lam.list_aliases(FunctionName=fn)["Aliases"] == []


def test_alias_of_latest_and_get_function_by_alias(lam, fn):
    lam.create_alias(FunctionName=fn, Name="head", FunctionVersion="$LATEST")
    lam.create_alias(FunctionName=fn, Name="prod", FunctionVersion="1")
    config = lam.get_function(FunctionName=fn, Qualifier="prod")["Configuration"]
    assert (config["FunctionArn"], config["Version"], config["Timeout"]) == (arn(fn, "prod"), "1", 3)
    config = lam.get_function_configuration(FunctionName=f"{fn}:head")
    assert (config["FunctionArn"], config["Version"], config["Timeout"]) == (arn(fn, "head"), "$LATEST", 5)


def test_create_alias_refusals(lam, raw, fn):
    assert refused(lambda: raw.create_alias(FunctionName=fn, Name="2024", FunctionVersion="1")) == \
        invalid("name", "2024", "Member must satisfy regular expression pattern: "
                                "(?!^[0-9]+$)([a-zA-Z0-9-_]+)")
    long_name = "a" * 129
    assert refused(lambda: raw.create_alias(FunctionName=fn, Name=long_name, FunctionVersion="1")) \
        == invalid("name", long_name, "Member must have length less than or equal to 128")
    text = "d" * 257
    assert refused(lambda: raw.create_alias(FunctionName=fn, Name="x", FunctionVersion="1",
                                            Description=text)) == \
        invalid("description", text, "Member must have length less than or equal to 256")
    assert refused(lambda: raw.create_alias(FunctionName=fn, Name="x", FunctionVersion="v1")) == \
        invalid("functionVersion", "v1",
                r"Member must satisfy regular expression pattern: (\$LATEST(\.PUBLISHED)?|[0-9]+)")
    assert refused(lambda: lam.create_alias(FunctionName=fn, Name="x", FunctionVersion="10")) == (
        "ResourceNotFoundException", 404, f"Function not found: {arn(fn, '10')}")
    other = unique("missing")
    assert refused(lambda: lam.create_alias(FunctionName=other, Name="x", FunctionVersion="1")) \
        == ("ResourceNotFoundException", 404, f"Function not found: {arn(other, '1')}")
    lam.create_alias(FunctionName=fn, Name="2024-01-02", FunctionVersion="1")  # digits and more
    assert refused(lambda: lam.create_alias(FunctionName=fn, Name="2024-01-02",
                                            FunctionVersion="2")) == (
        "ResourceConflictException", 409, f"Alias already exists: {arn(fn, '2024-01-02')}")
    assert [a["Name"] for a in lam.list_aliases(FunctionName=fn)["Aliases"]] == ["2024-01-02"]
    assert lam.get_alias(FunctionName=fn, Name="2024-01-02")["FunctionVersion"] == "1"


def test_routing_config_is_validated_as_aws_does(lam, raw, fn):
    def create(version: str, weights: dict) -> tuple[str, int, str]:
        return refused(lambda: raw.create_alias(
            FunctionName=fn, Name="canary", FunctionVersion=version,
            RoutingConfig={"AdditionalVersionWeights": weights}))

    field = "routingConfig.additionalVersionWeights"
    assert create("1", {"1": 0.8, "2": 0.2}) == (
        "InvalidParameterValueException", 400,
        "Number of items in AdditionalVersionWeights cannot be greater than 1")
    assert create("1", {"2": 2}) == invalid(field, "{2=2.0}", WEIGHT_VALUE)
    assert create("1", {"2": -1}) == invalid(field, "{2=-1.0}", WEIGHT_VALUE)
    assert create("1", {"$LATEST": 0.5}) == invalid(field, "{$LATEST=0.5}", WEIGHT_KEY)
    assert create("1", {"1": 0.5}) == (
        "InvalidParameterValueException", 400,
        "Invalid function version 1. Function version 1 is already included in routing "
        "configuration.")
    assert create("$LATEST", {"1": 0.5}) == (
        "InvalidParameterValueException", 400,
        "$LATEST is not supported for an alias pointing to more than 1 version")
    assert create("1", {"10": 0.5}) == (
        "ResourceNotFoundException", 404, f"Function not found: {arn(fn, '10')}")
    assert lam.list_aliases(FunctionName=fn)["Aliases"] == []

    empty = lam.create_alias(FunctionName=fn, Name="plain", FunctionVersion="1",
                             RoutingConfig={"AdditionalVersionWeights": {}})
    assert "RoutingConfig" not in empty
    canary = lam.create_alias(FunctionName=fn, Name="canary", FunctionVersion="1",
                              RoutingConfig={"AdditionalVersionWeights": {"2": 0.25}})
    routing = {"AdditionalVersionWeights": {"2": 0.25}}
    assert canary["RoutingConfig"] == routing
    assert lam.get_alias(FunctionName=fn, Name="canary")["RoutingConfig"] == routing
    full = lam.update_alias(FunctionName=fn, Name="plain",
                            RoutingConfig={"AdditionalVersionWeights": {"2": 1.0}})
    assert full["RoutingConfig"] == {"AdditionalVersionWeights": {"2": 1.0}}
    # moving the alias onto its additional version, or onto $LATEST, is refused
    assert refused(lambda: lam.update_alias(FunctionName=fn, Name="canary", FunctionVersion="2"))[:2] \
        == ("InvalidParameterValueException", 400)
    assert refused(lambda: lam.update_alias(FunctionName=fn, Name="canary",
                                            FunctionVersion="$LATEST"))[:2] == (
        "InvalidParameterValueException", 400)
    assert refused(lambda: lam.update_alias(FunctionName=fn, Name="canary", FunctionVersion="9")) \
        == ("ResourceNotFoundException", 404, f"Function not found: {arn(fn, '9')}")
    assert lam.get_alias(FunctionName=fn, Name="canary")["FunctionVersion"] == "1"
    # an update without RoutingConfig keeps it; an empty one removes it
    assert lam.update_alias(FunctionName=fn, Name="canary", Description="d")["RoutingConfig"] == \
        routing
    cleared = lam.update_alias(FunctionName=fn, Name="canary",
                               RoutingConfig={"AdditionalVersionWeights": {}})
    assert "RoutingConfig" not in cleared
    assert "RoutingConfig" not in lam.get_alias(FunctionName=fn, Name="canary")
    assert lam.update_alias(FunctionName=fn, Name="canary", FunctionVersion="2")["FunctionVersion"] \
        == "2"


def test_list_aliases_filters_and_pages(lam, fn):
    for name, version in (("d", "2"), ("a", "1"), ("c", "1"), ("b", "$LATEST"), ("e", "2")):
        lam.create_alias(FunctionName=fn, Name=name, FunctionVersion=version)
    everything = lam.list_aliases(FunctionName=fn)
    assert [a["Name"] for a in everything["Aliases"]] == ["a", "b", "c", "d", "e"]
    assert "NextMarker" not in everything
    assert everything["Aliases"][0] == {
        k: v for k, v in lam.get_alias(FunctionName=fn, Name="a").items()
        if k != "ResponseMetadata"}
    assert [a["Name"] for a in lam.list_aliases(FunctionName=fn, FunctionVersion="2")["Aliases"]] \
        == ["d", "e"]
    assert [a["Name"] for a in lam.list_aliases(FunctionName=fn,
                                                FunctionVersion="$LATEST")["Aliases"]] == ["b"]
    first = lam.list_aliases(FunctionName=fn, MaxItems=2)
    assert [a["Name"] for a in first["Aliases"]] == ["a", "b"]
    second = lam.list_aliases(FunctionName=fn, MaxItems=2, Marker=first["NextMarker"])
    assert [a["Name"] for a in second["Aliases"]] == ["c", "d"]
    last = lam.list_aliases(FunctionName=fn, MaxItems=2, Marker=second["NextMarker"])
    assert [a["Name"] for a in last["Aliases"]] == ["e"] and "NextMarker" not in last
    paged = lam.get_paginator("list_aliases").paginate(
        FunctionName=fn, FunctionVersion="1", PaginationConfig={"PageSize": 1}).build_full_result()
    assert [a["Name"] for a in paged["Aliases"]] == ["a", "c"]
    other = unique("missing")
    assert refused(lambda: lam.list_aliases(FunctionName=other)) == (
        "ResourceNotFoundException", 404, f"Function not found: {arn(other)}")
