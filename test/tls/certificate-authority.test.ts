import { X509Certificate, generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaError, loadOrCreateCa, publicKeyPem, type CertificateAuthority } from '../../src/tls/certificate-authority.js';

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
