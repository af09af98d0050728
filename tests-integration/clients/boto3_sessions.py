"""Opens a session through the proxy with boto3, as an agent would, then calls AWS with the
credentials it got back. Prints one JSON line: the credentials the agent holds and the identity
the follow-up call reported (or the error code)."""
import json
import os
import sys

import boto3
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError
from botocore.httpsession import URLLib3Session

ROLE_ARN = "arn:aws:iam::210987654321:role/deploy"
SSO_TOKEN = "sso-access-token-from-aws-sso-login"
EXPRESS_HOST = "agent-data--usw2-az1--x-s3.s3express-usw2-az1.us-west-2.amazonaws.com"


def follow_up(creds: dict) -> dict:
    session = boto3.Session(aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"], aws_session_token=creds.get("SessionToken"), region_name="us-east-1")
    return {"arn": session.client("sts").get_caller_identity()["Arn"]}


def express(path: str, method: str, credentials: Credentials, body: bytes = b"", token: str | None = None):
    """S3 Express with botocore's own signer: boto3 1.26 predates the operation, not SigV4."""
    request = AWSRequest(method=method, url=f"https://{EXPRESS_HOST}{path}", data=body, headers={"x-amz-s3session-token": token} if token else {})
    S3SigV4Auth(credentials, "s3express", "us-west-2").add_auth(request)
    http = URLLib3Session(proxies={"https": os.environ["HTTPS_PROXY"]}, verify=os.environ["AWS_CA_BUNDLE"])
    return http.send(request.prepare())


def main() -> None:
    scenario = sys.argv[1]
    session = boto3.Session()  # AWS_PROFILE=iam-agent-proxy
    out = {}
    try:
        if scenario == "assume-role":
            creds = session.client("sts").assume_role(RoleArn=ROLE_ARN, RoleSessionName="agent")["Credentials"]
        elif scenario == "session-token":
            creds = session.client("sts").get_session_token()["Credentials"]
        elif scenario == "sso":
            role = session.client("sso", region_name="us-east-1").get_role_credentials(roleName="Dev", accountId="123456789012", accessToken=SSO_TOKEN)["roleCredentials"]
            creds = {"AccessKeyId": role["accessKeyId"], "SecretAccessKey": role["secretAccessKey"], "SessionToken": role["sessionToken"]}
        elif scenario == "s3express":
            mine = session.get_credentials().get_frozen_credentials()
            answer = express("/?session", "GET", Credentials(mine.access_key, mine.secret_key))
            out["createSession"] = answer.text
            import re
            field = lambda name: re.search(f"<{name}>([^<]*)</{name}>", answer.text).group(1)
            creds = {"AccessKeyId": field("AccessKeyId"), "SecretAccessKey": field("SecretAccessKey"), "SessionToken": field("SessionToken")}
            held = Credentials(creds["AccessKeyId"], creds["SecretAccessKey"])
            put = express("/notes.txt", "PUT", held, b"express bytes", creds["SessionToken"])
            got = express("/notes.txt", "GET", held, token=creds["SessionToken"])
            out["followUp"] = {"put": put.status_code, "get": got.status_code, "body": got.text}
            out["credentials"] = creds
            print(json.dumps(out))
            return
        else:
            raise SystemExit(f"unknown scenario {scenario}")
        out["credentials"] = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in creds.items()}
        out["followUp"] = follow_up(creds)
    except ClientError as error:
        out["error"] = error.response["Error"]["Code"]
        out["message"] = error.response["Error"].get("Message")
    print(json.dumps(out))


main()
