"""Drives boto3 through the proxy, as an agent would. Prints one JSON line of results."""
import json
import sys

import boto3
from botocore.exceptions import ClientError


def main() -> None:
    scenario = sys.argv[1]
    session = boto3.Session()  # AWS_PROFILE=iam-agent-proxy from the environment
    out = {}
    try:
        if scenario == "identity":
            out["account"] = session.client("sts").get_caller_identity()["Account"]
        elif scenario == "s3":
            s3 = session.client("s3")
            s3.put_object(Bucket="test-bucket", Key="boto3/hello.txt", Body=b"hello from boto3")
            out["body"] = s3.get_object(Bucket="test-bucket", Key="boto3/hello.txt")["Body"].read().decode()
            out["keys"] = [o["Key"] for o in s3.list_objects_v2(Bucket="test-bucket", Prefix="boto3/").get("Contents", [])]
        elif scenario == "dynamodb":
            out["tables"] = session.client("dynamodb").list_tables().get("TableNames", [])
        else:
            raise SystemExit(f"unknown scenario {scenario}")
    except ClientError as error:
        out["error"] = error.response["Error"]["Code"]
        out["status"] = error.response["ResponseMetadata"]["HTTPStatusCode"]
    print(json.dumps(out))


main()
