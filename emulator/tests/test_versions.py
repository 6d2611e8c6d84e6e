"""Tests of awslambda.versions: PublishVersion, snapshots, DeleteFunction Qualifier, listing.

Functions run handlers.BOOTSTRAP; every end state is read back through
the API. Run: .venv/bin/python -m pytest emulator -q
"""

import json
import os
import urllib.request

import pytest
from botocore.exceptions import ClientError

from apps import request
from handlers import BOOTSTRAP, FOREIGN_ARCH, HOST_ARCH, function_zip
from server import ACCOUNT, REGION, error_of, settle, unique
from stacks import call, make_function, make_role

STALE = ("The Revision Id provided does not match the latest Revision Id. Call the "
         "GetFunction/GetAlias API to retrieve the latest Revision Id")
SECOND_ZIP = function_zip({"bootstrap": (BOOTSTRAP, 0o755), "marker.txt": ("second", 0o644)})


def versions(lam, name: str) -> list[str]:
    return [v["Version"] for v in lam.list_versions_by_function(FunctionName=name)["Versions"]]


def fn_arn(name: str, qualifier: str | None = None) -> str:
    arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"
    return f"{arn}:{qualifier}" if qualifier else arn


def refused(request) -> tuple[str, int, str]:
    with pytest.raises(ClientError) as excinfo:
        request()
    return error_of(excinfo)


def change(lam, name: str, value: str = "x") -> None:
    lam.update_function_configuration(FunctionName=name, Environment={"Variables": {"MARK": value}})


# --- numbering ------------------------------------------------------------------------------


def test_version_numbers_are_never_reused(lam, role):
    name = make_function(lam, role)
    assert lam.publish_version(FunctionName=name)["Version"] == "1"
    change(lam, name, "2")
    assert lam.publish_version(FunctionName=name)["Version"] == "2"
    lam.delete_function(FunctionName=name, Qualifier="2")
    change(lam, name, "3")
    assert lam.publish_version(FunctionName=name)["Version"] == "3"  # not 2 again
    assert versions(lam, name) == ["$LATEST", "1", "3"]
    lam.delete_function(FunctionName=name, Qualifier="3")
    lam.delete_function(FunctionName=name, Qualifier="1")
    change(lam, name, "4")
    assert lam.publish_version(FunctionName=name)["Version"] == "4"
    assert versions(lam, name) == ["$LATEST", "4"]


def test_a_function_deleted_and_created_again_starts_afresh(lam, role):
    name = make_function(lam, role)
    lam.publish_version(FunctionName=name)
    change(lam, name)
    lam.publish_version(FunctionName=name)
    lam.create_alias(FunctionName=name, Name="live", FunctionVersion="2")
    lam.delete_function(FunctionName=name)
    with pytest.raises(ClientError):
        lam.get_function(FunctionName=name)
    make_function(lam, role, name=name)
    assert versions(lam, name) == ["$LATEST"]
    assert lam.list_aliases(FunctionName=name)["Aliases"] == []
    assert refused(lambda: lam.get_alias(FunctionName=name, Name="live"))[:2] == (
        "ResourceNotFoundException", 404)
    assert lam.publish_version(FunctionName=name)["Version"] == "1"


# --- when a version is published ----------------------------------------------------------------


def test_an_unchanged_latest_answers_the_last_version(lam, role):
    name = make_function(lam, role, Description="first")
    first = lam.publish_version(FunctionName=name, Description="release 1")
    again = lam.publish_version(FunctionName=name, Description="ignored")
    assert (again["Version"], again["Description"]) == ("1", "release 1")
    assert again["RevisionId"] == first["RevisionId"]
    assert again["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert versions(lam, name) == ["$LATEST", "1"]
    # a DryRun changes nothing
    lam.update_function_code(FunctionName=name, ZipFile=SECOND_ZIP, DryRun=True)
    assert lam.publish_version(FunctionName=name)["Version"] == "1"
    # the newest version deleted: the same $LATEST is published again, as a new number
    lam.delete_function(FunctionName=name, Qualifier="1")
    assert lam.publish_version(FunctionName=name)["Version"] == "2"
    assert versions(lam, name) == ["$LATEST", "2"]


@pytest.mark.parametrize("update", [
    {"MemorySize": 256}, {"Timeout": 9}, {"Environment": {"Variables": {"KEPT": "v"}}},
    {"Description": "changed"}, {"Handler": "other"}, {"Role": None},
    {"code": function_zip()},  # the same code again: AWS does not compare, it publishes
    {"code": function_zip(), "Architectures": [FOREIGN_ARCH]},
])
def test_every_update_of_latest_publishes_a_new_version(lam, make, role, update):
    name = make_function(lam, role)
    assert lam.publish_version(FunctionName=name)["Version"] == "1"
    update = dict(update)
    if "code" in update:
        lam.update_function_code(FunctionName=name, ZipFile=update.pop("code"), **update)
    else:
        if "Role" in update:
            update["Role"] = make_role(make("iam"))
        lam.update_function_configuration(FunctionName=name, **update)
    assert lam.publish_version(FunctionName=name)["Version"] == "2"
    assert lam.publish_version(FunctionName=name)["Version"] == "2"


def test_update_function_code_and_create_function_publish(lam, role):
    name = make_function(lam, role, Publish=True)
    assert versions(lam, name) == ["$LATEST", "1"]
    answer = lam.update_function_code(FunctionName=name, ZipFile=SECOND_ZIP, Publish=True)
    assert (answer["Version"], answer["FunctionArn"]) == ("2", fn_arn(name, "2"))
    assert versions(lam, name) == ["$LATEST", "1", "2"]
    second = lam.get_function_configuration(FunctionName=name, Qualifier="2")
    assert second["CodeSha256"] == lam.get_function_configuration(FunctionName=name)["CodeSha256"]
    assert second["CodeSha256"] != lam.get_function_configuration(
        FunctionName=name, Qualifier="1")["CodeSha256"]


def test_publishing_waits_for_an_update_in_progress(make, role, endpoint):
    lam = make("lambda", settle=False)
    scope = unique("publish-busy")
    assert request(endpoint, "/backend-ctl/switches", "POST",
                   {"scope": scope, "lambda_update_seconds": 30})[0] == 200
    try:
        name = make_function(lam, role, name=unique(scope))
        settle(lam, name)
        lam.update_function_configuration(FunctionName=name, Timeout=8)
        assert refused(lambda: lam.publish_version(FunctionName=name)) == (
            "ResourceConflictException", 409, "The operation cannot be performed at this time. "
            f"An update is in progress for resource: {fn_arn(name)}")
        assert versions(lam, name) == ["$LATEST"]
    finally:
        request(endpoint, f"/backend-ctl/switches?scope={scope}", "DELETE")


# --- preconditions and revisions ------------------------------------------------------------


def test_code_sha256_and_revision_id_preconditions(lam, role):
    name = make_function(lam, role)
    latest = lam.get_function_configuration(FunctionName=name)
    wrong = "A" * 43 + "="
    assert refused(lambda: lam.publish_version(FunctionName=name, CodeSha256=wrong)) == (
        "InvalidParameterValueException", 400,
        f"CodeSHA256 ({wrong}) is different from current CodeSHA256 in $LATEST "
        f"({latest['CodeSha256']}). Please try again with the CodeSHA256 in $LATEST.")
    with pytest.raises(ClientError) as excinfo:
        lam.publish_version(FunctionName=name, RevisionId="stale")
    assert error_of(excinfo) == ("PreconditionFailedException", 412, STALE)
    assert excinfo.value.response["ResponseMetadata"]["HTTPHeaders"]["x-amzn-errortype"] == \
        "PreconditionFailedException"
    assert versions(lam, name) == ["$LATEST"]

    version = lam.publish_version(FunctionName=name, CodeSha256=latest["CodeSha256"],
                                  RevisionId=latest["RevisionId"])
    assert version["Version"] == "1"
    after = lam.get_function_configuration(FunctionName=name)
    assert len({latest["RevisionId"], after["RevisionId"], version["RevisionId"]}) == 3
    assert lam.get_function_configuration(FunctionName=name, Qualifier="1")["RevisionId"] == \
        version["RevisionId"]
    # a stale RevisionId is refused by UpdateFunctionConfiguration / UpdateFunctionCode too
    assert refused(lambda: lam.update_function_configuration(
        FunctionName=name, Timeout=7, RevisionId=latest["RevisionId"]))[:2] == (
        "PreconditionFailedException", 412)
    updated = lam.update_function_configuration(FunctionName=name, Timeout=7,
                                                RevisionId=after["RevisionId"])
    assert updated["RevisionId"] not in (after["RevisionId"], version["RevisionId"])
    assert lam.get_function_configuration(FunctionName=name)["Timeout"] == 7


# --- a version is a snapshot ------------------------------------------------------------------


def test_a_version_keeps_its_code_and_configuration(lam, make, role):
    first_zip = function_zip()
    name = make_function(lam, role, code=first_zip, MemorySize=256, Timeout=5,
                         Description="first", Environment={"Variables": {"MARK": "1", "KEPT": "k"}})
    published = lam.publish_version(FunctionName=name, Description="release 1")
    before = lam.get_function(FunctionName=name, Qualifier="1")["Configuration"]
    other_role = make_role(make("iam"))
    lam.update_function_code(FunctionName=name, ZipFile=SECOND_ZIP, Architectures=[FOREIGN_ARCH])
    lam.update_function_configuration(FunctionName=name, MemorySize=512, Timeout=9, Role=other_role,
                                      Description="second",
                                      Environment={"Variables": {"MARK": "2"}})
    latest = lam.get_function_configuration(FunctionName=name)
    assert (latest["MemorySize"], latest["Architectures"], latest["Environment"]) == (
        512, [FOREIGN_ARCH], {"Variables": {"MARK": "2"}})

    got = lam.get_function(FunctionName=name, Qualifier="1")
    config = got["Configuration"]
    assert config == before
    assert config["CodeSha256"] == published["CodeSha256"] != latest["CodeSha256"]
    assert config["CodeSize"] == len(first_zip) != latest["CodeSize"]
    assert (config["MemorySize"], config["Timeout"], config["Role"]) == (256, 5, role)
    assert config["Environment"] == {"Variables": {"MARK": "1", "KEPT": "k"}}
    assert config["Architectures"] == [HOST_ARCH]
    assert config["Description"] == "release 1"
    assert (config["Version"], config["FunctionArn"]) == ("1", fn_arn(name, "1"))
    assert config["LastModified"] == published["LastModified"]
    with urllib.request.urlopen(got["Code"]["Location"], timeout=5) as response:
        assert response.read() == first_zip
    location = lam.get_function(FunctionName=name)["Code"]["Location"]
    assert urllib.request.urlopen(location, timeout=5).read() == SECOND_ZIP
    listed = lam.list_versions_by_function(FunctionName=name)["Versions"]
    assert listed[1]["Environment"] == {"Variables": {"MARK": "1", "KEPT": "k"}}
    assert listed[0]["FunctionArn"] == fn_arn(name, "$LATEST")
    assert "State" not in listed[0] and "LastUpdateStatus" not in listed[1]


# --- DeleteFunction with a qualifier ------------------------------------------------------------


def test_deleting_one_version(lam, role):
    name = make_function(lam, role)
    for value in ("2", "3", "4"):
        lam.publish_version(FunctionName=name)
        change(lam, name, value)
    lam.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
    lam.create_alias(FunctionName=name, Name="canary", FunctionVersion="3",
                     RoutingConfig={"AdditionalVersionWeights": {"2": 0.1}})
    lam.create_alias(FunctionName=name, Name="stable", FunctionVersion="1")
    conflict = "Unable to delete version because the following aliases reference it: "
    assert refused(lambda: lam.delete_function(FunctionName=name, Qualifier="1")) == (
        "ResourceConflictException", 409, conflict + "[live, stable]")
    assert refused(lambda: lam.delete_function(FunctionName=name, Qualifier="2")) == (
        "ResourceConflictException", 409, conflict + "[canary]")  # by its routing weight
    assert refused(lambda: lam.delete_function(FunctionName=name, Qualifier="$LATEST")) == (
        "InvalidParameterValueException", 400,
        "$LATEST version cannot be deleted without deleting the function.")
    assert refused(lambda: lam.delete_function(FunctionName=name, Qualifier="live")) == (
        "InvalidParameterValueException", 400, "Deletion of aliases is not currently supported.")
    lam.delete_function(FunctionName=name, Qualifier="99")  # AWS: 204, nothing deleted
    assert versions(lam, name) == ["$LATEST", "1", "2", "3"]

    lam.delete_alias(FunctionName=name, Name="canary")
    lam.delete_function(FunctionName=f"{name}:3")
    lam.delete_function(FunctionName=fn_arn(name, "2"))
    assert versions(lam, name) == ["$LATEST", "1"]
    assert refused(lambda: lam.get_function(FunctionName=name, Qualifier="3")) == (
        "ResourceNotFoundException", 404, f"Function not found: {fn_arn(name, '3')}")
    assert refused(lambda: lam.invoke(FunctionName=name, Qualifier="2"))[:2] == (
        "ResourceNotFoundException", 404)
    assert lam.get_alias(FunctionName=name, Name="live")["FunctionVersion"] == "1"
    assert lam.get_function_configuration(FunctionName=name)["Environment"] == {
        "Variables": {"MARK": "4"}}
    missing = unique("missing")
    assert refused(lambda: lam.delete_function(FunctionName=missing, Qualifier="1")) == (
        "ResourceNotFoundException", 404, f"Function not found: {fn_arn(missing)}")


def test_deleting_a_version_stops_only_its_processes(lam, role):
    name = make_function(lam, role)
    lam.publish_version(FunctionName=name)
    change(lam, name)
    lam.publish_version(FunctionName=name)
    first = call(lam, name, Qualifier="1")[1]["pid"]
    second = call(lam, name, Qualifier="2")[1]["pid"]
    latest = call(lam, name)[1]["pid"]
    change(lam, name, "later")  # an update of $LATEST leaves the versions warm
    assert not os.path.exists(f"/proc/{latest}")
    latest = call(lam, name)[1]["pid"]
    lam.update_function_code(FunctionName=name, ZipFile=SECOND_ZIP)
    assert not os.path.exists(f"/proc/{latest}")
    assert call(lam, name, Qualifier="1")[1]["pid"] == first
    lam.delete_function(FunctionName=name, Qualifier="1")
    assert not os.path.exists(f"/proc/{first}")
    assert call(lam, name, Qualifier="2")[1]["pid"] == second
    lam.delete_function(FunctionName=name)
    assert not os.path.exists(f"/proc/{second}")


# --- ListVersionsByFunction -----------------------------------------------------------------


def test_list_versions_pages(lam, role):
    name = make_function(lam, role)
    for value in range(52):
        lam.publish_version(FunctionName=name)
        change(lam, name, str(value))
    first = lam.list_versions_by_function(FunctionName=name)
    assert [v["Version"] for v in first["Versions"]] == ["$LATEST"] + [str(n) for n in range(1, 50)]
    rest = lam.list_versions_by_function(FunctionName=name, Marker=first["NextMarker"])
    assert [v["Version"] for v in rest["Versions"]] == ["50", "51", "52"]
    assert "NextMarker" not in rest

    page = lam.list_versions_by_function(FunctionName=name, MaxItems=2)
    assert [v["Version"] for v in page["Versions"]] == ["$LATEST", "1"]
    page = lam.list_versions_by_function(FunctionName=name, MaxItems=2, Marker=page["NextMarker"])
    assert [v["Version"] for v in page["Versions"]] == ["2", "3"]
    everything = lam.get_paginator("list_versions_by_function").paginate(
        FunctionName=name, PaginationConfig={"PageSize": 5}).build_full_result()["Versions"]
    assert [v["Version"] for v in everything] == ["$LATEST"] + [str(n) for n in range(1, 53)]
    missing = unique("missing")
    assert refused(lambda: lam.list_versions_by_function(FunctionName=missing)) == (
        "ResourceNotFoundException", 404, f"Function not found: {fn_arn(missing)}")
    by_arn = lam.list_versions_by_function(FunctionName=fn_arn(name), MaxItems=1)["Versions"]
    assert json.loads(json.dumps(by_arn))[0]["Version"] == "$LATEST"
