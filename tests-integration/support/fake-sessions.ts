/**
 * The fake's credential-issuing calls: STS AssumeRole, GetSessionToken and GetFederationToken, the
 * SSO portal's GetRoleCredentials (unsigned, bearer token) and S3 Express CreateSession. Each
 * issues fresh temporary credentials that the fake then accepts, as AWS would, so a test can
 * follow a session from its creation to the calls made with it.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { queryOf, xmlEscape } from './fake-s3.js';
import type { Reply, UpstreamCredentials } from './fake-aws.js';

export interface FakeSession {
  credentials: UpstreamCredentials;
  /** S3 Express sessions carry their token in x-amz-s3session-token; the others in x-amz-security-token. */
  tokenHeader: 'x-amz-security-token' | 'x-amz-s3session-token';
  /** Who the session acts as (for GetCallerIdentity). */
  arn: string;
  expiration: Date;
}

/** Every session the fake issued, by access key id. */
export type SessionBook = Map<string, FakeSession>;

/** The bearer token the fake SSO portal accepts. */
export const SSO_ACCESS_TOKEN = 'sso-access-token-from-aws-sso-login';

export interface SessionRequest {
  method: string;
  host: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  service: string | undefined;
  accountId: string;
  /** The key the request was signed with; undefined when unsigned. */
  callerKeyId: string | undefined;
}

export function issueSession(book: SessionBook, arn: string, tokenHeader: FakeSession['tokenHeader'] = 'x-amz-security-token'): FakeSession {
  const session: FakeSession = {
    credentials: {
      accessKeyId: `ASIAFAKE${randomBytes(6).toString('hex').toUpperCase()}`,
      secretAccessKey: randomBytes(30).toString('base64'),
      // Real session tokens are long and use the whole base64 alphabet.
      sessionToken: `IQoJb3JpZ2luX2Vj${randomBytes(300).toString('base64')}`,
    },
    tokenHeader,
    arn,
    expiration: new Date(Date.now() + 3600_000),
  };
  book.set(session.credentials.accessKeyId, session);
  return session;
}

/** An unsigned request the fake serves, as AWS does: the SSO portal's role credentials. */
export function isUnsignedSsoCall(request: Pick<SessionRequest, 'host' | 'path'>): boolean {
  return /^portal\.sso\.[a-z0-9-]+\.amazonaws\.com$/.test(request.host) && request.path.startsWith('/federation/credentials');
}

/** A bucket whose every request fails as S3 answers a signature it disagrees with: echoing the key id and the signed token. */
export const ECHO_ERRORS_BUCKET = 'echo-errors';

/** The answer to a credential-issuing call, or undefined for any other call. */
export function sessionReply(request: SessionRequest, book: SessionBook): Reply | undefined {
  if (isUnsignedSsoCall(request)) return ssoRoleCredentials(request, book);
  if (request.service === 's3' && (request.host.startsWith(`${ECHO_ERRORS_BUCKET}.`) || request.path.startsWith(`/${ECHO_ERRORS_BUCKET}/`))) return echoedSignatureError(request);
  if (request.service === 's3express' && request.method === 'GET' && queryOf(request.path).has('session')) return createSession(request, book);
  if (request.service !== 'sts') return undefined;
  const form = new URLSearchParams(request.body.toString());
  const action = form.get('Action');
  const caller = request.callerKeyId ? book.get(request.callerKeyId) : undefined;
  const callerArn = caller?.arn ?? `arn:aws:iam::${request.accountId}:user/real-test-user`;
  switch (action) {
    case 'AssumeRole': {
      const roleArn = form.get('RoleArn') ?? '';
      const role = /^arn:aws:iam::(\d{12}):role\/(.+)$/.exec(roleArn);
      if (!role) return queryError('ValidationError', `RoleArn ${roleArn} is not a role ARN`);
      const assumed = `arn:aws:sts::${role[1]}:assumed-role/${role[2]}/${form.get('RoleSessionName') ?? 'session'}`;
      const session = issueSession(book, assumed);
      return stsResult('AssumeRole', `<AssumedRoleUser><Arn>${xmlEscape(assumed)}</Arn><AssumedRoleId>AROAFAKE:${xmlEscape(form.get('RoleSessionName') ?? '')}</AssumedRoleId></AssumedRoleUser>${credentialsXml(session)}`);
    }
    case 'GetSessionToken':
      return stsResult('GetSessionToken', credentialsXml(issueSession(book, callerArn)));
    case 'GetFederationToken': {
      const user = `arn:aws:sts::${request.accountId}:federated-user/${form.get('Name') ?? 'user'}`;
      return stsResult('GetFederationToken', `${credentialsXml(issueSession(book, user))}<FederatedUser><Arn>${xmlEscape(user)}</Arn><FederatedUserId>${request.accountId}:x</FederatedUserId></FederatedUser>`);
    }
    case 'GetCallerIdentity':
      if (!caller) return undefined;
      return stsResult('GetCallerIdentity', `<Arn>${xmlEscape(caller.arn)}</Arn><UserId>AROAFAKE:session</UserId><Account>${caller.arn.split(':')[4]}</Account>`);
    default:
      return undefined;
  }
}

function echoedSignatureError(request: SessionRequest): Reply {
  const token = request.headers['x-amz-security-token'];
  const canonical = `${request.method}\n${request.path}\n\nhost:${request.host}\n${token ? `x-amz-security-token:${String(token)}\n` : ''}`;
  const body = `<Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match the signature you provided.</Message><AWSAccessKeyId>${request.callerKeyId}</AWSAccessKeyId><CanonicalRequest>${xmlEscape(canonical)}</CanonicalRequest><RequestId>${randomUUID()}</RequestId></Error>`;
  return { status: 403, headers: { 'content-type': 'application/xml' }, body };
}

function ssoRoleCredentials(request: SessionRequest, book: SessionBook): Reply {
  const token = request.headers['x-amz-sso_bearer_token'];
  if (token !== SSO_ACCESS_TOKEN) return { status: 401, headers: { 'content-type': 'application/json', 'x-amzn-errortype': 'UnauthorizedException' }, body: JSON.stringify({ message: 'Session token not found or invalid' }) };
  const query = queryOf(request.path);
  const session = issueSession(book, `arn:aws:sts::${query.get('account_id')}:assumed-role/AWSReservedSSO_${query.get('role_name')}_0123456789abcdef/agent`);
  const { accessKeyId, secretAccessKey, sessionToken } = session.credentials;
  return { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ roleCredentials: { accessKeyId, secretAccessKey, sessionToken, expiration: session.expiration.getTime() } }) };
}

function createSession(request: SessionRequest, book: SessionBook): Reply {
  const bucket = request.host.split('.')[0]!;
  const session = issueSession(book, `arn:aws:s3express:us-west-2:${request.accountId}:bucket/${bucket}`, 'x-amz-s3session-token');
  const { accessKeyId, secretAccessKey, sessionToken } = session.credentials;
  const credentials = `<SessionToken>${sessionToken}</SessionToken><SecretAccessKey>${secretAccessKey}</SecretAccessKey><AccessKeyId>${accessKeyId}</AccessKeyId><Expiration>${session.expiration.toISOString()}</Expiration>`;
  return { status: 200, headers: { 'content-type': 'application/xml' }, body: `<?xml version="1.0" encoding="UTF-8"?>\n<CreateSessionResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Credentials>${credentials}</Credentials></CreateSessionResult>` };
}

function credentialsXml(session: FakeSession): string {
  const { accessKeyId, secretAccessKey, sessionToken } = session.credentials;
  return `<Credentials><AccessKeyId>${accessKeyId}</AccessKeyId><SecretAccessKey>${secretAccessKey}</SecretAccessKey><SessionToken>${sessionToken}</SessionToken><Expiration>${session.expiration.toISOString()}</Expiration></Credentials>`;
}

function stsResult(action: string, result: string): Reply {
  const body = `<${action}Response xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><${action}Result>${result}</${action}Result><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></${action}Response>`;
  return { status: 200, headers: { 'content-type': 'text/xml' }, body };
}

/** An STS error; `<Detail>` stands for anything an error body may carry that the agent must not see. */
export const UPSTREAM_ONLY_DETAIL = 'detail-only-upstream-sees';

function queryError(code: string, message: string): Reply {
  const error = `<Error><Type>Sender</Type><Code>${code}</Code><Message>${xmlEscape(message)}</Message><Detail>${UPSTREAM_ONLY_DETAIL}</Detail></Error>`;
  return { status: 400, headers: { 'content-type': 'text/xml' }, body: `<ErrorResponse>${error}<RequestId>${randomUUID()}</RequestId></ErrorResponse>` };
}
