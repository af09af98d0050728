"""Runs a list of boto3 calls through the proxy, one after another, as an agent would.

Reads [{"service", "operation", "input"}] as JSON on stdin, where `service` is the AWS API model id
(s3-control, secrets-manager, cloudwatch-logs, route-53, ...), `operation` the API operation name and
{"$bytes": "text"} stands for binary input; prints [{"ok", "output"} | {"ok": false, "error", "status"}]
as JSON on stdout, in the same order.
"""
import datetime
import json
import sys

import boto3
from botocore import xform_name
from botocore.exceptions import ClientError
from botocore.response import StreamingBody

# boto3's names for the services whose model id differs.
CLIENT_NAMES = {"s3-control": "s3control", "secrets-manager": "secretsmanager", "cloudwatch-logs": "logs", "route-53": "route53"}


def revive(value):
    if isinstance(value, list):
        return [revive(item) for item in value]
    if isinstance(value, dict):
        if isinstance(value.get("$bytes"), str):
            return value["$bytes"].encode()
        return {key: revive(inner) for key, inner in value.items()}
    return value


def plain(value):
    """The output as JSON: bytes and streams as text, datetimes in ISO form, no ResponseMetadata."""
    if isinstance(value, StreamingBody):
        return value.read().decode()
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode(errors="replace")
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value.isoformat()
    if isinstance(value, list):
        return [plain(item) for item in value]
    if isinstance(value, dict):
        return {key: plain(inner) for key, inner in value.items() if key != "ResponseMetadata"}
    return value


def main() -> None:
    session = boto3.Session()  # AWS_PROFILE=iam-agent-proxy from the environment
    clients = {}
    results = []
    for call in json.load(sys.stdin):
        service = call["service"]
        try:
            if service not in clients:
                clients[service] = session.client(CLIENT_NAMES.get(service, service))
            method = getattr(clients[service], xform_name(call["operation"]))
            results.append({"ok": True, "output": plain(method(**revive(call["input"])))})
        except ClientError as error:
            status = error.response["ResponseMetadata"].get("HTTPStatusCode")
            results.append({"ok": False, "error": error.response["Error"].get("Code"), "status": status})
        except Exception as error:  # a client-side failure is a result too
            results.append({"ok": False, "error": f"{type(error).__name__}: {error}"})
    print(json.dumps(results))


main()
