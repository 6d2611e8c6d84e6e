"""Tests of cognito.identities: identities, and the credentials Cognito issues for them.

Run: .venv/bin/python -m pytest emulator -q
"""

import time
import urllib.request

import pytest
from botocore.exceptions import ClientError

from apps import app_cognito, app_credentials, issued, lifetime, request
from server import REGION, clients, error_of, launched, stop, unique

ROLE = "arn:aws:iam::123456789012:role/identities-unauth"
UNKNOWN = f"{REGION}:00000000-0000-0000-0000-000000000000"


@pytest.fixture(scope="module")
def cognito(endpoint):
    """The deployer's client; it sends what botocore would refuse, for the service to judge."""
    return clients(endpoint)("cognito-identity", parameter_validation=False)


def new_pool(cognito, role: str | None = ROLE) -> str:
    pool = cognito.create_identity_pool(IdentityPoolName=unique("pool"),
                                        AllowUnauthenticatedIdentities=True)["IdentityPoolId"]
    if role:
        cognito.set_identity_pool_roles(IdentityPoolId=pool, Roles={"unauthenticated": role})
    return pool


def refused(call) -> tuple[str, int, str]:
    with pytest.raises(ClientError) as excinfo:
        call()
    return error_of(excinfo)


# --- GetCredentialsForIdentity -----------------------------------------------------------


def test_every_call_issues_fresh_credentials(endpoint, cognito):
    pool = new_pool(cognito)
    app = app_cognito(endpoint)
    identity = app.get_id(IdentityPoolId=pool)["IdentityId"]
    before = time.time()
    first, second = (app.get_credentials_for_identity(IdentityId=identity) for _ in range(2))
    assert first["IdentityId"] == second["IdentityId"] == identity
    a, b = first["Credentials"], second["Credentials"]
    for credentials in (a, b):
        assert credentials["AccessKeyId"].startswith("ASIA") and len(credentials["AccessKeyId"]) == 20
        assert len(credentials["SecretKey"]) >= 40 and len(credentials["SessionToken"]) >= 100
        assert 3599 <= credentials["Expiration"].timestamp() - before <= 3601 + (time.time() - before)
    assert a["AccessKeyId"] != b["AccessKeyId"]
    assert a["SecretKey"] != b["SecretKey"] and a["SessionToken"] != b["SessionToken"]


def test_issued_credentials_are_listed_in_issue_order(endpoint, cognito):
    pool, other = new_pool(cognito), new_pool(cognito)
    first = app_credentials(endpoint, pool)
    elsewhere = app_credentials(endpoint, other)
    second = app_credentials(endpoint, pool)
    listed = issued(endpoint, pool)
    assert [c["AccessKeyId"] for c in listed] == [first["AccessKeyId"], second["AccessKeyId"]]
    assert listed[0] == {"AccessKeyId": first["AccessKeyId"], "IdentityId": first["IdentityId"],
                         "IdentityPoolId": pool, "RoleArn": ROLE,
                         "Expiration": first["Expiration"].timestamp(),
                         "IssuedAt": pytest.approx(first["Expiration"].timestamp() - 3600)}
    everything = [c["AccessKeyId"] for c in issued(endpoint)]
    positions = [everything.index(c["AccessKeyId"]) for c in (first, elsewhere, second)]
    assert positions == sorted(positions)
    assert "SecretKey" not in listed[0] and "SessionToken" not in listed[0]
    status, body = request(endpoint, "/backend-ctl/cognito-identity/issued"
                           f"?IdentityPoolId={pool}&IncludeSecrets=true")
    assert status == 200
    assert [(c["SecretKey"], c["SessionToken"]) for c in body["Credentials"]] == [
        (first["SecretKey"], first["SessionToken"]), (second["SecretKey"], second["SessionToken"])]


def test_the_role_is_the_one_the_pool_had_at_issue_time(endpoint, cognito):
    pool = new_pool(cognito)
    app_credentials(endpoint, pool)
    changed = "arn:aws:iam::123456789012:role/identities-other"
    cognito.set_identity_pool_roles(IdentityPoolId=pool, Roles={"unauthenticated": changed})
    app_credentials(endpoint, pool)
    assert [c["RoleArn"] for c in issued(endpoint, pool)] == [ROLE, changed]


def test_the_lifetime_setting(endpoint, cognito):
    pool = new_pool(cognito)
    assert lifetime(endpoint) == 3600
    try:
        assert lifetime(endpoint, 120) == 120
        credentials = app_credentials(endpoint, pool)
        assert 119 <= credentials["Expiration"].timestamp() - time.time() <= 120
        listed = issued(endpoint, pool)[-1]
        assert listed["Expiration"] - listed["IssuedAt"] == pytest.approx(120)
    finally:
        lifetime(endpoint, 3600)
    for bad in ({"CredentialsLifetimeSeconds": -1}, {"CredentialsLifetimeSeconds": 43201},
                {"CredentialsLifetimeSeconds": "60"}, {"CredentialsLifetimeSeconds": True},
                {"Lifetime": 60}, {}):
        status, body = request(endpoint, "/backend-ctl/cognito-identity/settings", "POST", bad)
        assert status == 400 and "CredentialsLifetimeSeconds" in body["message"], bad
    assert lifetime(endpoint) == 3600


def test_reset_forgets_issued_credentials_and_the_lifetime():
    proc, url = launched()
    try:
        pool = new_pool(clients(url)("cognito-identity"))
        app_credentials(url, pool)
        lifetime(url, 60)
        assert len(issued(url)) == 1
        reset = urllib.request.Request(f"{url}/moto-api/reset", method="POST", data=b"")
        assert urllib.request.urlopen(reset, timeout=5).status == 200
        assert issued(url) == []
        assert lifetime(url) == 3600
    finally:
        stop(proc)


def test_deleted_or_unknown_identities_get_no_credentials(endpoint, cognito):
    pool = new_pool(cognito)
    app = app_cognito(endpoint)
    identity = app.get_id(IdentityPoolId=pool)["IdentityId"]
    cognito.delete_identities(IdentityIdsToDelete=[identity])
    for gone in (identity, UNKNOWN):
        assert refused(lambda: app.get_credentials_for_identity(IdentityId=gone)) == (
            "ResourceNotFoundException", 400, f"Identity '{gone}' not found.")


# --- ListIdentities, DeleteIdentities, DescribeIdentity ----------------------------------


def test_list_identities_counts_and_pages(endpoint, cognito):
    pool = new_pool(cognito, role=None)
    assert cognito.list_identities(IdentityPoolId=pool, MaxResults=60)["Identities"] == []
    app = app_cognito(endpoint)
    made = [app.get_id(IdentityPoolId=pool)["IdentityId"] for _ in range(3)]
    listed = cognito.list_identities(IdentityPoolId=pool, MaxResults=60)
    assert listed["IdentityPoolId"] == pool and "NextToken" not in listed
    assert [i["IdentityId"] for i in listed["Identities"]] == made
    assert all(i["CreationDate"] == i["LastModifiedDate"] for i in listed["Identities"])
    pages, token = [], None
    while True:
        page = cognito.list_identities(IdentityPoolId=pool, MaxResults=2,
                                       **({"NextToken": token} if token else {}))
        pages.append([i["IdentityId"] for i in page["Identities"]])
        token = page.get("NextToken")
        if not token:
            break
    assert pages == [made[:2], made[2:]]
    assert cognito.list_identities(IdentityPoolId=pool, MaxResults=60, HideDisabled=True)[
        "Identities"] == listed["Identities"]


@pytest.mark.parametrize("max_results", [0, 61])
def test_list_identities_max_results(cognito, max_results):
    pool = new_pool(cognito, role=None)
    code, status, message = refused(
        lambda: cognito.list_identities(IdentityPoolId=pool, MaxResults=max_results))
    assert (code, status) == ("ValidationException", 400)
    bound = "greater than or equal to 1" if max_results < 1 else "less than or equal to 60"
    assert message == (f"1 validation error detected: Value '{max_results}' at 'maxResults' failed "
                       f"to satisfy constraint: Member must have value {bound}")


def test_list_identities_of_an_unknown_pool(cognito):
    assert refused(lambda: cognito.list_identities(IdentityPoolId=UNKNOWN, MaxResults=10))[:2] == (
        "ResourceNotFoundException", 400)
    assert refused(lambda: cognito.list_identities(IdentityPoolId=new_pool(cognito), MaxResults=10,
                                                   NextToken="garbage"))[:2] == (
        "InvalidParameterException", 400)


def test_delete_identities_removes_only_those_named(endpoint, cognito):
    pool = new_pool(cognito, role=None)
    app = app_cognito(endpoint)
    keep, drop = (app.get_id(IdentityPoolId=pool)["IdentityId"] for _ in range(2))
    answer = cognito.delete_identities(IdentityIdsToDelete=[drop, UNKNOWN])
    assert answer["UnprocessedIdentityIds"] == []
    listed = cognito.list_identities(IdentityPoolId=pool, MaxResults=60)["Identities"]
    assert [i["IdentityId"] for i in listed] == [keep]
    assert cognito.describe_identity(IdentityId=keep)["IdentityId"] == keep
    assert refused(lambda: cognito.describe_identity(IdentityId=drop)) == (
        "ResourceNotFoundException", 400, f"Identity '{drop}' not found.")


def test_delete_identities_takes_1_to_60_ids(cognito):
    for ids, constraint in (([], "greater than or equal to 1"),
                            ([UNKNOWN] * 61, "less than or equal to 60")):
        code, status, message = refused(lambda: cognito.delete_identities(IdentityIdsToDelete=ids))
        assert (code, status) == ("ValidationException", 400)
        assert "at 'identityIdsToDelete' failed to satisfy constraint: Member must have length " \
               f"{constraint}" in message
