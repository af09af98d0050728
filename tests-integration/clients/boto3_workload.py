"""A workload: one boto3 client calling STS in a loop for argv[1] seconds, with the credentials
credential_process gave it once (as SDKs cache them). One JSON line per call: when it started and
ended, "ok" or the error, and the key it signed with."""
import json
import sys
import time

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError


def main() -> None:
    session = boto3.Session()  # AWS_PROFILE=iam-agent-proxy, PROXY_AGENT_NAME from the environment
    sts = session.client("sts", config=Config(retries={"max_attempts": 0}, connect_timeout=2, read_timeout=5))
    deadline = time.time() + float(sys.argv[1])
    while time.time() < deadline:
        start = time.time()
        try:
            sts.get_caller_identity()
            outcome = "ok"
        except ClientError as error:
            outcome = error.response["Error"]["Code"]
        except BotoCoreError as error:
            outcome = type(error).__name__
        key = session.get_credentials().access_key
        print(json.dumps({"start": start, "end": time.time(), "outcome": outcome, "key": key}), flush=True)
        time.sleep(0.05)


main()
