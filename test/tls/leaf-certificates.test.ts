import { X509Certificate, createPrivateKey } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOrCreateCa, type CertificateAuthority } from '../../src/tls/certificate-authority.js';
import { LeafCertificates } from '../../src/tls/leaf-certificates.js';

const DAY_MS = 24 * 3600_000;
const T0 = Date.parse('2024-05-01T10:00:00Z');
let dir: string;
let ca: CertificateAuthority;
let caX509: X509Certificate;
let clock: { now: number };
let leaves: LeafCertificates;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'leaf-'));
  ca = loadOrCreateCa(dir, new Date(T0));
  caX509 = new X509Certificate(ca.certPem);
  clock = { now: T0 };
  leaves = new LeafCertificates(ca, () => clock.now);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The chain's PEM blocks, leaf first. */
const pemBlocks = (chain: string): string[] => chain.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n?/g) ?? [];

describe('LeafCertificates', () => {
  it('mints a leaf for a host that the CA issued and signed, with the host in the SAN', () => {
    clock.now = T0;
    const leaf = leaves.forHost('sts.us-west-2.amazonaws.com');
    const [leafPem, caPem] = pemBlocks(leaf.certPem);
    const x509 = new X509Certificate(leafPem!);
    expect(x509.checkIssued(caX509)).toBe(true);
    expect(x509.verify(caX509.publicKey)).toBe(true);
    expect(x509.ca).toBe(false);
    expect(x509.subjectAltName).toBe('DNS:sts.us-west-2.amazonaws.com');
    expect(x509.checkHost('sts.us-west-2.amazonaws.com')).toBe('sts.us-west-2.amazonaws.com');
    expect(x509.checkHost('sts.us-east-1.amazonaws.com')).toBeUndefined();
    expect(x509.issuer).toBe(caX509.subject);
    expect(caPem?.trim()).toBe(ca.certPem.trim());
  });

  it('the key it hands out matches the leaf certificate', () => {
    const leaf = leaves.forHost('iam.amazonaws.com');
    const x509 = new X509Certificate(pemBlocks(leaf.certPem)[0]!);
    expect(x509.checkPrivateKey(createPrivateKey(leaf.keyPem))).toBe(true);
  });

  it('is valid from before now for 30 days, and notAfter says so', () => {
    clock.now = T0;
    const leaf = leaves.forHost('validity.amazonaws.com');
    const x509 = new X509Certificate(pemBlocks(leaf.certPem)[0]!);
    expect(new Date(x509.validFrom).getTime()).toBeLessThanOrEqual(T0);
    // X.509 times have whole seconds
    expect(Math.abs(new Date(x509.validTo).getTime() - (T0 + 30 * DAY_MS))).toBeLessThan(1000);
    expect(Math.abs(leaf.notAfter - (T0 + 30 * DAY_MS))).toBeLessThan(1000);
  });

  // Python 3.13 verifies with X509_STRICT by default: a leaf without key identifiers is rejected there.
  it.runIf(spawnSync('openssl', ['version']).status === 0)('passes OpenSSL strict (RFC 5280) verification against the CA', () => {
    clock.now = Date.now();
    writeFileSync(join(dir, 'leaf.pem'), leaves.forHost('strict.amazonaws.com').certPem);
    const verify = spawnSync('openssl', ['verify', '-x509_strict', '-CAfile', ca.certPath, join(dir, 'leaf.pem')], { encoding: 'utf8' });
    expect(verify.stdout.trim() + verify.stderr.trim()).toBe(`${join(dir, 'leaf.pem')}: OK`);
    clock.now = T0;
  });

  it('caches: the same PEM twice, and another host gets another certificate', () => {
    clock.now = T0;
    const first = leaves.forHost('cached.amazonaws.com');
    const second = leaves.forHost('cached.amazonaws.com');
    expect(second.certPem).toBe(first.certPem);
    expect(leaves.forHost('other.amazonaws.com').certPem).not.toBe(first.certPem);
  });

  it('re-mints when the clock reaches a day before expiry, not before', () => {
    clock.now = T0;
    const first = leaves.forHost('renew.amazonaws.com');
    clock.now = first.notAfter - 24 * 3600_000 - 1000;
    expect(leaves.forHost('renew.amazonaws.com').certPem).toBe(first.certPem);
    clock.now = first.notAfter - 24 * 3600_000 + 1000;
    const renewed = leaves.forHost('renew.amazonaws.com');
    expect(renewed.certPem).not.toBe(first.certPem);
    expect(renewed.notAfter).toBeGreaterThan(first.notAfter);
    const x509 = new X509Certificate(pemBlocks(renewed.certPem)[0]!);
    expect(new Date(x509.validFrom).getTime()).toBeLessThanOrEqual(clock.now);
    expect(x509.verify(caX509.publicKey)).toBe(true);
    clock.now = T0;
  });

  it('never outlives the CA', () => {
    clock.now = ca.cert.validity.notAfter.getTime() - 5 * DAY_MS;
    const leaf = leaves.forHost('late.amazonaws.com');
    expect(leaf.notAfter).toBeLessThanOrEqual(ca.cert.validity.notAfter.getTime());
    clock.now = T0;
  });
});

describe('LeafCertificates: bounded cache', () => {
  it('keeps at most maxHosts hosts, dropping the oldest first', () => {
    const bounded = new LeafCertificates(ca, () => T0, 3);
    const [h0, h1] = [bounded.forHost('h0.amazonaws.com'), bounded.forHost('h1.amazonaws.com')];
    bounded.forHost('h2.amazonaws.com');
    expect(bounded.forHost('h0.amazonaws.com')).toBe(h0); // three fit
    bounded.forHost('h3.amazonaws.com'); // evicts the oldest: h0
    expect(bounded.forHost('h1.amazonaws.com')).toBe(h1);
    expect(bounded.forHost('h0.amazonaws.com')).not.toBe(h0); // evicted, minted again
  });
});

describe('LeafCertificates.premint', () => {
  it('mints the hosts ahead of time, once each, without blocking the caller, within the cache bound', async () => {
    clock.now = T0;
    const bounded = new LeafCertificates(ca, () => clock.now, 3);
    let turnedBeforeFirstMint = false;
    const done = bounded.premint(['a.s3.amazonaws.com', 'sts.amazonaws.com', 'sts.amazonaws.com']);
    turnedBeforeFirstMint = true; // premint returned before minting anything
    await done;
    expect(turnedBeforeFirstMint).toBe(true);
    const leaf = bounded.forHost('sts.amazonaws.com');
    expect(bounded.forHost('sts.amazonaws.com')).toBe(leaf); // served from the cache, not minted again
    expect(new X509Certificate(pemBlocks(leaf.certPem)[0]!).subjectAltName).toBe('DNS:sts.amazonaws.com');
    await bounded.premint(['sqs.us-east-1.amazonaws.com', 'sns.us-east-1.amazonaws.com', 'kms.us-east-1.amazonaws.com']);
    expect(bounded.forHost('kms.us-east-1.amazonaws.com')).toBe(bounded.forHost('kms.us-east-1.amazonaws.com'));
    expect(bounded.forHost('sts.amazonaws.com')).not.toBe(leaf); // evicted by the bound of 3, minted again
  });
});
