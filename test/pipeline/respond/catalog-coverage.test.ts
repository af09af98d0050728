import { describe, expect, it } from 'vitest';
import { rewriteCredentials } from '../../../src/pipeline/respond/rewrite-credentials.js';
import { defaultCatalog } from '../../../src/services/catalog.js';
import { credentialBody } from '../../support/credential-body.js';

const REAL = {
  accessKeyId: 'ASIAREALCATALOG00001',
  secretAccessKey: 'real+catalog/secret/0000000000000000000001',
  sessionToken: 'FwoGZXIvYXdzEREALCATALOGTOKEN//////////wEaDPr0+real/token==',
  expiration: '2026-12-02T10:00:00Z',
};

/**
 * Secret-like output members that are not AWS credentials, reviewed: the proxy passes them on.
 * QLDB's StartSession.SessionToken names a QLDB session, usable only in requests signed with a
 * key the proxy issued.
 */
const REVIEWED_NOT_CREDENTIALS: Record<string, string[]> = { 'qldb-session.SendCommand': ['StartSession.SessionToken'] };

/** Every operation in the catalog, with its service. */
function operations() {
  const catalog = defaultCatalog();
  return Object.keys(catalog.index.services).flatMap((id) => {
    const model = catalog.service(id);
    return Object.entries(model.operations).map(([operation, op]) => ({ service: id, protocols: model.protocols, operation, op }));
  });
}

describe('every operation whose output carries credentials is rewritten', () => {
  const all = operations();
  const withCredentials = all.filter(({ op }) => op.credentials);

  it('finds the ones the issue names, and more, from the models', () => {
    const names = withCredentials.map(({ service, operation }) => `${service}:${operation}`);
    expect(names).toEqual(
      expect.arrayContaining([
        'sts:AssumeRole', 'sts:AssumeRoleWithWebIdentity', 'sts:AssumeRoleWithSAML', 'sts:GetSessionToken', 'sts:GetFederationToken', 'sts:AssumeRoot',
        'sso:GetRoleCredentials', 'cognito-identity:GetCredentialsForIdentity', 's3:CreateSession', 'iam:CreateAccessKey', 'ssm:GetAccessToken',
      ]),
    );
    expect(names.length).toBeGreaterThanOrEqual(30);
  });

  it.each(withCredentials.flatMap(({ service, protocols, operation, op }) => protocols.map((protocol) => [`${service}:${operation}`, protocol, operation, op.credentials!] as const)))(
    '%s in %s',
    (_name, protocol, operation, locations) => {
      const body = credentialBody(protocol, operation, locations, REAL);
      const seen: string[] = [];
      const result = rewriteCredentials(body, protocol, operation, locations, (found) => {
        seen.push(found.secretAccessKey);
        return { accessKeyId: 'ASIAPROXYSTANDIN0001', secretAccessKey: 'stand-in-secret', sessionToken: found.sessionToken && 'stand-in-token' };
      });
      if (!result.ok) throw new Error(result.reason);
      expect(seen).toEqual(locations.map(() => REAL.secretAccessKey));
      for (const real of Object.values(REAL).slice(0, 3)) expect(result.body.includes(real)).toBe(false);
      expect(result.body.includes('stand-in-secret')).toBe(true);
    },
  );

  it('leaves no secret-like output member unreviewed', () => {
    const unrecognised = Object.fromEntries(all.filter(({ op }) => op.unrecognisedSecrets).map(({ service, operation, op }) => [`${service}.${operation}`, op.unrecognisedSecrets]));
    expect(unrecognised).toEqual(REVIEWED_NOT_CREDENTIALS);
  });
});
