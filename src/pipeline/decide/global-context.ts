import type { RequestContext } from '../resolve/types.js';

/** The identity the real credentials belong to, from sts:GetCallerIdentity. */
export interface RealIdentity {
  arn: string;
  userId: string;
  account: string;
}

/** How the agent reached the proxy. */
export interface Connection {
  /** Through a CONNECT tunnel with TLS (every SDK), rather than plain HTTP. */
  secure: boolean;
  /** The agent's address as the proxy sees it. */
  sourceIp: string | undefined;
}

/**
 * Who a call is evaluated as, and in which account: a session's role, else the real identity, else
 * (identity not yet known) a stand-in user in the account.
 */
export function evaluatedPrincipal(identity: RealIdentity | undefined, accountId?: string, assumedRole?: string): { arn: string; accountId: string } {
  const account = accountId ?? identity?.account ?? '000000000000';
  return { arn: assumedRole ?? identity?.arn ?? `arn:aws:iam::${account}:user/iam-agent-proxy`, accountId: account };
}

/**
 * The global condition keys the proxy supplies beyond the call's own (see policy/context-keys.ts):
 * the time of the decision, the agent's connection, and the real identity, as AWS would set them
 * for the request the proxy sends.
 */
export function globalContext(connection: Connection, now: Date, identity: RealIdentity | undefined): RequestContext {
  const context: RequestContext = {
    'aws:CurrentTime': now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    'aws:EpochTime': String(Math.floor(now.getTime() / 1000)),
    'aws:SecureTransport': String(connection.secure),
  };
  if (connection.sourceIp) context['aws:SourceIp'] = connection.sourceIp.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '');
  if (identity) {
    context['aws:PrincipalArn'] = identity.arn;
    context['aws:userid'] = identity.userId;
    context['aws:PrincipalAccount'] = identity.account;
    // Set by AWS for IAM users only; absent for roles, as here.
    const user = /^arn:[^:]+:iam::\d{12}:user\/(?:[^/]*\/)*([^/]+)$/.exec(identity.arn)?.[1];
    if (user) context['aws:username'] = user;
  }
  return context;
}
