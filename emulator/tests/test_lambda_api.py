"""Tests of awslambda.api: Architectures, Code.Location, zips, qemu, InvokeAsync.

The qemu test runs only where the test finds qemu user mode and a sysroot for
the other architecture (Debian qemu-user, libc6-arm64-cross / libc6-amd64-cross);
the missing-qemu test hides them from a server of its own.
Run: .venv/bin/python -m pytest emulator -q
"""

import json
import os
import shutil
import urllib.error
import urllib.request

import pytest
from botocore.exceptions import ClientError

from handlers import FOREIGN_ARCH, HOST_ARCH, elf, function_zip
from server import clients, error_of, launched, stop, unique
from stacks import call, make_function, make_role, wait_logged

QEMU = {"arm64": ("qemu-aarch64", "/usr/aarch64-linux-gnu", "libc6-arm64-cross"),
        "x86_64": ("qemu-x86_64", "/usr/x86_64-linux-gnu", "libc6-amd64-cross")}
ENUM = ("Member must satisfy constraint: [Member must satisfy enum value set: [x86_64, arm64], "
        "Member must not be null]")


def test_update_function_code_honours_architectures(make, role):
    lam = make("lambda")
    name = make_function(lam, role)
    pid = call(lam, name)[1]["pid"]
    updated = lam.update_function_code(FunctionName=name, ZipFile=function_zip(),
                                       Architectures=[FOREIGN_ARCH])
    assert updated["Architectures"] == [FOREIGN_ARCH]
    assert lam.get_function(FunctionName=name)["Configuration"]["Architectures"] == [FOREIGN_ARCH]
    assert lam.get_function_configuration(FunctionName=name)["Architectures"] == [FOREIGN_ARCH]
    lam.update_function_code(FunctionName=name, ZipFile=function_zip(), Architectures=[HOST_ARCH])
    assert lam.get_function_configuration(FunctionName=name)["Architectures"] == [HOST_ARCH]
    assert call(lam, name)[1]["pid"] != pid  # the process runs on the new configuration
    lam.update_function_code(FunctionName=name, ZipFile=function_zip(),
                             Architectures=[FOREIGN_ARCH], DryRun=True)
    assert lam.get_function_configuration(FunctionName=name)["Architectures"] == [HOST_ARCH]


@pytest.mark.parametrize("architectures, constraint", [
    (["x86_64", "arm64"], "Member must have length less than or equal to 1"),
    ([], "Member must have length greater than or equal to 1"),
    (["sparc"], ENUM),
])
def test_architectures_validated(make, role, architectures, constraint):
    lam, raw = make("lambda"), make("lambda", parameter_validation=False)
    name = make_function(lam, role)
    shown = "[" + ", ".join(architectures) + "]"
    message = f"1 validation error detected: Value '{shown}' at 'architectures' failed to satisfy constraint: {constraint}"
    with pytest.raises(ClientError) as excinfo:
        raw.update_function_code(FunctionName=name, ZipFile=function_zip(), Architectures=architectures)
    assert error_of(excinfo) == ("ValidationException", 400, message)
    with pytest.raises(ClientError) as excinfo:
        make_function(raw, role, Architectures=architectures)
    assert error_of(excinfo) == ("ValidationException", 400, message)
    assert lam.get_function_configuration(FunctionName=name)["Architectures"] == [HOST_ARCH]


def test_code_location_serves_the_zip(make, role, endpoint):
    lam = make("lambda")
    first = function_zip()
    name = make_function(lam, role, code=first)
    code = lam.get_function(FunctionName=name)["Code"]
    assert code["RepositoryType"] == "S3"
    assert code["Location"].startswith(endpoint + "/")
    with urllib.request.urlopen(code["Location"], timeout=5) as response:
        assert (response.read(), response.headers["Content-Type"]) == (first, "application/zip")

    second = function_zip({"bootstrap": ("#!/bin/sh\n", 0o755), "data.txt": ("v2", 0o644)})
    lam.update_function_code(FunctionName=name, ZipFile=second)
    location = lam.get_function(FunctionName=name)["Code"]["Location"]
    assert urllib.request.urlopen(location, timeout=5).read() == second

    lam.delete_function(FunctionName=name)
    with pytest.raises(urllib.error.HTTPError) as excinfo:
        urllib.request.urlopen(location, timeout=5)
    assert excinfo.value.code == 404


def test_zip_file_must_unzip(make, role):
    lam = make("lambda")
    message = "Could not unzip uploaded file. Please check your file, then try to upload again."
    with pytest.raises(ClientError) as excinfo:
        make_function(lam, role, code=b"not a zip")
    assert error_of(excinfo) == ("InvalidParameterValueException", 400, message)
    name = make_function(lam, role)
    with pytest.raises(ClientError) as excinfo:
        lam.update_function_code(FunctionName=name, ZipFile=b"PK but not really")
    assert error_of(excinfo) == ("InvalidParameterValueException", 400, message)


def test_delete_function_stops_its_processes(make, role):
    lam = make("lambda")
    name = make_function(lam, role)
    pid = call(lam, name)[1]["pid"]
    lam.delete_function(FunctionName=name)
    assert not os.path.exists(f"/proc/{pid}")


def test_invoke_async(make, role, endpoint):
    lam, logs = make("lambda"), make("logs")
    name = make_function(lam, role)
    marker = unique("async")
    answer = lam.invoke_async(FunctionName=name,
                              InvokeArgs=json.dumps({"action": "print", "stdout": [marker]}))
    assert answer["Status"] == 202
    wait_logged(logs, name, marker + "\n")


def _qemu_ready() -> bool:
    name, sysroot, _ = QEMU[FOREIGN_ARCH]
    found = shutil.which(name) or shutil.which(f"{name}-static")
    return bool(found) and os.path.isdir(os.environ.get("QEMU_LD_PREFIX") or sysroot)


def test_foreign_architecture_runs_under_qemu(make, role):
    # Installed by scripts/setup-tools.sh (which scripts/test.sh runs first).
    assert _qemu_ready(), f"no qemu user mode and sysroot for {FOREIGN_ARCH}: run scripts/setup-tools.sh"
    lam, logs = make("lambda"), make("logs")
    program = elf(FOREIGN_ARCH, f"hello from {FOREIGN_ARCH}\n".encode(), 3)
    name = make_function(lam, role, code=function_zip({"bootstrap": (program, 0o755)}),
                         Architectures=[FOREIGN_ARCH])
    response, payload = call(lam, name)
    assert payload["errorType"] == "Runtime.ExitError"
    assert payload["errorMessage"].endswith("Error: Runtime exited with error: exit status 3")
    lines = [e["message"] for e in logs.filter_log_events(logGroupName=f"/aws/lambda/{name}")["events"]]
    assert f"hello from {FOREIGN_ARCH}\n" in lines


def test_foreign_architecture_without_qemu_names_the_packages():
    # a server that cannot find qemu (PATH) nor a sysroot (QEMU_LD_PREFIX)
    proc, url = launched(PATH="/nonexistent", QEMU_LD_PREFIX="/nonexistent")
    try:
        make = clients(url)
        lam = make("lambda")
        name = make_function(lam, make_role(make("iam")), Architectures=[FOREIGN_ARCH])
        response, payload = call(lam, name)
        qemu, _, package = QEMU[FOREIGN_ARCH]
        assert (response["FunctionError"], payload["errorType"]) == ("Unhandled", "Runtime.InvalidEntrypoint")
        assert f"{qemu} is not on PATH" in payload["errorMessage"]
        assert payload["errorMessage"].endswith(f"(Debian packages: qemu-user, {package})")
        # the host's architecture needs no qemu
        lam.update_function_code(FunctionName=name, ZipFile=function_zip(), Architectures=[HOST_ARCH])
        assert "FunctionError" not in call(lam, name)[0]
    finally:
        stop(proc)
