"""Handlers for the Lambda tests: a Python bootstrap, function zips, tiny ELF programs.

BOOTSTRAP is a custom runtime (``#!/usr/bin/python3``) that implements the
runtime API loop with urllib. The event's "action" picks what it does:
echo (default), greet, fail (posts an invocation error), sleep, wait (until
a file exists), release (creates that file), exit, kill, print (lines on
stdout / stderr), env (its environment, pid, cwd and the ``next`` headers),
record (the ``next`` headers, as JSON, into the file at "path"), probe (bad
runtime API calls, and what they answered; its own answer is sent chunked).
Every answer carries the process id. At init it prints the function's
INIT_PRINT variable, posts an init error with INIT_ERROR (and INIT_ERROR_TYPE),
or exits with INIT_EXIT.
"""

import io
import platform
import struct
import zipfile

HOST_ARCH = {"x86_64": "x86_64", "amd64": "x86_64", "aarch64": "arm64",
             "arm64": "arm64"}.get(platform.machine().lower(), platform.machine())
FOREIGN_ARCH = "arm64" if HOST_ARCH == "x86_64" else "x86_64"

BOOTSTRAP = r'''#!/usr/bin/python3
import http.client, json, os, signal, sys, time, urllib.error, urllib.request
API = "http://" + os.environ["AWS_LAMBDA_RUNTIME_API"] + "/2018-06-01/runtime"

def post(path, body, headers=None):
    request = urllib.request.Request(API + path, data=json.dumps(body).encode(),
                                     headers=headers or {}, method="POST")
    try:
        with urllib.request.urlopen(request) as reply:
            return reply.status, json.loads(reply.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())

if os.environ.get("INIT_PRINT"):
    print(os.environ["INIT_PRINT"], flush=True)
if os.environ.get("INIT_ERROR"):
    body, headers = {"errorMessage": os.environ["INIT_ERROR"]}, {}
    if os.environ.get("INIT_ERROR_TYPE"):
        body["errorType"] = os.environ["INIT_ERROR_TYPE"]
    post("/init/error", body, headers)
    sys.exit(1)
if os.environ.get("INIT_EXIT"):
    sys.exit(int(os.environ["INIT_EXIT"]))
while True:
    with urllib.request.urlopen(API + "/invocation/next") as reply:
        headers = {k: v for k, v in reply.headers.items() if k.startswith("Lambda-Runtime")}
        event = json.loads(reply.read())
    rid = headers["Lambda-Runtime-Aws-Request-Id"]
    action, answer = event.get("action", "echo"), {"pid": os.getpid()}
    if action == "greet":
        answer["greeting"] = "Hello, %s!" % event["name"]
    elif action == "fail":
        post("/invocation/%s/error" % rid,
             {"errorMessage": event["message"], "errorType": "GreetingError", "stackTrace": []},
             {"Lambda-Runtime-Function-Error-Type": "GreetingError"})
        continue
    elif action == "sleep":
        print("sleeping", flush=True)
        answer["started"] = time.time()
        time.sleep(event["seconds"])
        answer["ended"] = time.time()
    elif action == "wait":  # until the test (or another invocation) creates the file
        print("waiting", flush=True)
        if event.get("started"):  # says it holds its slot now
            open(event["started"], "w").close()
        while not os.path.exists(event["path"]):
            time.sleep(0.01)
    elif action == "release":
        open(event["path"], "w").close()
    elif action == "exit":
        print("exiting", flush=True)
        os._exit(event["status"])
    elif action == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
    elif action == "print":
        for line in event.get("stdout", []):
            print(line, flush=True)
        for line in event.get("stderr", []):
            print(line, file=sys.stderr, flush=True)
    elif action == "env":
        answer.update(env=dict(os.environ), cwd=os.getcwd(), headers=headers, received=time.time())
    elif action == "flaky":  # each attempt adds a line (its time); the first `failures` fail
        with open(event["path"], "a") as out:
            out.write("%f\n" % time.time())
        with open(event["path"]) as seen:
            attempts = len(seen.readlines())
        if attempts <= event["failures"]:
            post("/invocation/%s/error" % rid,
                 {"errorMessage": "attempt %d failed" % attempts, "errorType": "FlakyError"},
                 {"Lambda-Runtime-Function-Error-Type": "FlakyError"})
            continue
        answer["attempts"] = attempts
    elif action == "record":  # the next headers, into a file (for Event invocations)
        with open(event["path"] + ".part", "w") as out:
            json.dump(headers, out)
        os.rename(event["path"] + ".part", event["path"])
    elif action == "probe":
        answer["unknown_id"] = post("/invocation/00000000-0000-0000-0000-000000000000/response", {})
        answer["init_error"] = post("/init/error", {"errorMessage": "late"})
        host, port = os.environ["AWS_LAMBDA_RUNTIME_API"].split(":")
        connection = http.client.HTTPConnection(host, int(port))  # the answer, chunked
        body = json.dumps(answer).encode()
        connection.request("POST", "/2018-06-01/runtime/invocation/%s/response" % rid,
                           body=iter([body[:5], body[5:]]), encode_chunked=True)
        connection.getresponse().read()
        continue
    else:
        answer["event"] = event
    post("/invocation/%s/response" % rid, answer)
'''


def function_zip(files: dict[str, tuple[bytes | str, int]] | None = None) -> bytes:
    """A .zip of ``{name: (content, unix mode)}``; by default BOOTSTRAP, mode 0755."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, (content, mode) in (files or {"bootstrap": (BOOTSTRAP, 0o755)}).items():
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
            info.create_system, info.external_attr = 3, (0o100000 | mode) << 16
            archive.writestr(info, content)
    return buffer.getvalue()


def elf(arch: str, message: bytes, status: int) -> bytes:
    """A static Linux program for ``arch`` that writes ``message`` and exits ``status``."""
    if arch == "arm64":
        words = [0xD2800020, 0x100000E1, 0xD2800002 | (len(message) << 5), 0xD2800808,
                 0xD4000001, 0xD2800000 | (status << 5), 0xD2800BA8, 0xD4000001]
        machine, code = 183, b"".join(struct.pack("<I", w) for w in words)
    else:  # mov eax,1; mov edi,1; lea rsi,[rip+19]; mov edx,n; syscall; mov eax,60; mov edi,s; syscall
        machine = 62
        code = (b"\xb8\x01\x00\x00\x00\xbf\x01\x00\x00\x00\x48\x8d\x35" + struct.pack("<i", 19)
                + b"\xba" + struct.pack("<I", len(message)) + b"\x0f\x05\xb8\x3c\x00\x00\x00"
                + b"\xbf" + struct.pack("<I", status) + b"\x0f\x05")
    base, headers = 0x400000, 64 + 56
    size = headers + len(code) + len(message)
    ehdr = (b"\x7fELF\x02\x01\x01" + bytes(9) + struct.pack(
        "<HHIQQQIHHHHHH", 2, machine, 1, base + headers, 64, 0, 0, 64, 56, 1, 0, 0, 0))
    phdr = struct.pack("<IIQQQQQQ", 1, 5, 0, base, base, size, size, 0x1000)
    return ehdr + phdr + code + message
