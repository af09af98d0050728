import { X509Certificate, generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import forge from 'node-forge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaError, loadOrCreateCa, publicKeyPem, signNatively, type CertificateAuthority } from '../../src/tls/certificate-authority.js';

const YEAR_MS = 365 * 24 * 3600_000;
const NOW = new Date('2024-05-01T10:00:00Z');
let root: string;
let stateDir: string;
let ca: CertificateAuthority;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'ca-'));
  stateDir = join(root, 'state');
  mkdirSync(stateDir);
  ca = loadOrCreateCa(stateDir, NOW);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A state dir holding copies of the good CA files, with some replaced. */
function stateWith(name: string, files: { cert?: string; key?: string }): string {
  const dir = join(root, name);
  mkdirSync(dir);
  if (files.cert !== undefined) writeFileSync(join(dir, 'ca.pem'), files.cert);
  if (files.key !== undefined) writeFileSync(join(dir, 'ca.key'), files.key);
  return dir;
}

/** A state dir holding a CA as an older version made it: no extended key usage, name constraints as given. */
function olderCa(name: string, constraints: forge.asn1.Asn1[]): string {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKeyPem(privateKey));
  cert.serialNumber = '01';
  cert.validity.notBefore = new Date(NOW.getTime() - 3600_000);
  cert.validity.notAfter = new Date(NOW.getTime() + YEAR_MS);
  cert.setSubject([{ name: 'commonName', value: 'iam-agent-proxy local CA' }]);
  cert.setIssuer(cert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
    ...constraints.map((value) => ({ id: '2.5.29.30', critical: true, value })),
  ]);
  signNatively(cert, privateKey);
  return stateWith(name, { cert: forge.pki.certificateToPem(cert), key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() });
}

function caError(dir: string, now = NOW): CaError {
  try {
    loadOrCreateCa(dir, now);
  } catch (error) {
    expect(error).toBeInstanceOf(CaError);
    return error as CaError;
  }
  throw new Error('expected a CaError');
}

describe('loadOrCreateCa: a new CA', () => {
  it('is a CA certificate, self-signed, valid from before now for at least 5 years', () => {
    const x509 = new X509Certificate(ca.certPem);
    expect(x509.ca).toBe(true);
    expect(x509.subject).toContain('CN=iam-agent-proxy local CA');
    expect(x509.checkIssued(x509)).toBe(true);
    expect(x509.verify(x509.publicKey)).toBe(true);
    expect(new Date(x509.validFrom).getTime()).toBeLessThanOrEqual(NOW.getTime());
    expect(new Date(x509.validTo).getTime() - NOW.getTime()).toBeGreaterThanOrEqual(5 * YEAR_MS);
    expect(x509.checkPrivateKey(ca.key)).toBe(true);
  });

  it('writes ca.pem (the returned path) and a 0600 ca.key', () => {
    expect(ca.certPath).toBe(join(stateDir, 'ca.pem'));
    expect(readFileSync(ca.certPath, 'utf8')).toBe(ca.certPem);
    expect(statSync(join(stateDir, 'ca.key')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(stateDir, 'ca.key'), 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----/);
  });

  it('the forge certificate matches the PEM', () => {
    expect(ca.cert.subject.getField('CN').value).toBe('iam-agent-proxy local CA');
    expect(ca.cert.validity.notAfter.getTime()).toBe(new Date(new X509Certificate(ca.certPem).validTo).getTime());
  });
});

describe('loadOrCreateCa: reloading', () => {
  it('gives the same certificate and key', () => {
    const again = loadOrCreateCa(stateDir, NOW);
    expect(again.certPem).toBe(ca.certPem);
    expect(publicKeyPem(again.key)).toBe(publicKeyPem(ca.key));
    expect(again.certPath).toBe(ca.certPath);
    expect(again.warning).toBeUndefined();
  });

  it('garbage in ca.pem is a CaError that says to delete the files', () => {
    const dir = stateWith('garbage', { cert: 'not a certificate', key: readFileSync(join(stateDir, 'ca.key'), 'utf8') });
    const error = caError(dir);
    expect(error.message).toContain('is not valid PEM');
    expect(error.message).toContain(`delete ${join(dir, 'ca.pem')} and ${join(dir, 'ca.key')} to make a new CA`);
  });

  it('an unreadable ca.pem (here a directory) is a CaError with advice', () => {
    const dir = stateWith('unreadable', { key: readFileSync(join(stateDir, 'ca.key'), 'utf8') });
    mkdirSync(join(dir, 'ca.pem'));
    const error = caError(dir);
    expect(error.message).toMatch(/^cannot read the CA \(.*EISDIR/);
    expect(error.message).toContain('fix its permissions, or delete');
  });

  it('a ca.pem without its ca.key is a CaError (no silent new CA)', () => {
    const dir = stateWith('nokey', { cert: ca.certPem });
    expect(caError(dir).message).toMatch(/^cannot read the CA \(.*ENOENT/);
  });

  it('a ca.key that does not belong to ca.pem is a CaError', () => {
    const otherKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const dir = stateWith('mismatch', { cert: ca.certPem, key: otherKey });
    expect(caError(dir).message).toContain('is not a CA matching');
  });

  it('an expired CA is a CaError that says to delete it', () => {
    const error = caError(stateDir, new Date(NOW.getTime() + 11 * YEAR_MS));
    expect(error.message).toMatch(/expired on .*delete .*ca\.pem and .*ca\.key to make a new one/);
  });
});

describe('loadOrCreateCa: a CA from an older version', () => {
  const nameConstraints = (ca: CertificateAuthority) => forge.pki.certificateFromPem(ca.certPem).getExtension('nameConstraints') as { value: string } | null;

  it('without name constraints is replaced by a constrained one, saying so in one line', () => {
    const dir = olderCa('unconstrained', []);
    const oldPem = readFileSync(join(dir, 'ca.pem'), 'utf8');
    const replaced = loadOrCreateCa(dir, NOW);
    expect(replaced.warning).toBe(
      `replaced the CA in ${join(dir, 'ca.pem')}: the old one had no name constraints, so its key could sign for any site; wherever a copy of the old ca.pem is trusted, trust the new one instead`,
    );
    expect(replaced.certPem).not.toBe(oldPem);
    expect(nameConstraints(replaced)?.value).toBe(nameConstraints(ca)?.value);
    expect(readFileSync(join(dir, 'ca.pem'), 'utf8')).toBe(replaced.certPem);
    expect(statSync(join(dir, 'ca.key')).mode & 0o777).toBe(0o600);
    const again = loadOrCreateCa(dir, NOW);
    expect([again.certPem, again.warning]).toEqual([replaced.certPem, undefined]);
    expect(publicKeyPem(again.key)).toBe(publicKeyPem(replaced.key));
  });

  it('constrained to other names than this version intercepts (an older catalog) is replaced too', () => {
    const { asn1 } = forge;
    const dnsName = asn1.create(asn1.Class.CONTEXT_SPECIFIC, 2, false, 'amazonaws.com');
    const permitted = asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, true, [asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [dnsName])]);
    const dir = olderCa('other-names', [asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [permitted])]);
    const replaced = loadOrCreateCa(dir, NOW);
    expect(replaced.warning).toMatch(/^replaced the CA in .*: the old one was limited to other names than the AWS API hosts this version intercepts; /);
    expect(nameConstraints(replaced)?.value).toBe(nameConstraints(ca)?.value);
  });
});
