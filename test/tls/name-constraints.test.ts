import { X509Certificate } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, createServer } from 'node:tls';
import forge from 'node-forge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultCatalog } from '../../src/services/catalog.js';
import { loadOrCreateCa, type CertificateAuthority } from '../../src/tls/certificate-authority.js';
import { LeafCertificates } from '../../src/tls/leaf-certificates.js';
import { issueServerCertificate } from '../../tests-integration/support/test-ca.js';

interface Subtree {
  type: number;
  value: string;
}

const HAS_OPENSSL = spawnSync('openssl', ['version']).status === 0;
let dir: string;
let ca: CertificateAuthority;
let leaves: LeafCertificates;
/** What a thief of ca.key could sign with it. */
let signWithCaKey: (commonName: string, altNames: string[]) => { certPem: string; keyPem: string };

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'nc-'));
  ca = loadOrCreateCa(dir);
  leaves = new LeafCertificates(ca);
  const issuer = { caPem: ca.certPem, caKeyPem: readFileSync(join(dir, 'ca.key'), 'utf8') };
  signWithCaKey = (commonName, altNames) => issueServerCertificate(issuer, commonName, altNames);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `openssl verify` of one certificate (or chain, leaf first) against the CA alone: "OK" or the reason it failed. */
function opensslVerify(certPem: string): string {
  const file = join(dir, 'verify.pem');
  writeFileSync(file, certPem);
  const result = spawnSync('openssl', ['verify', '-x509_strict', '-CAfile', ca.certPath, file], { encoding: 'utf8' });
  return result.status === 0 ? 'OK' : (/^error \d+ at \d+ depth lookup: (.*)$/m.exec(result.stderr)?.[1] ?? result.stderr);
}

/** A TLS handshake on 127.0.0.1 with a server presenting `cert`, the client trusting only the CA: "OK" or the error. */
async function handshake(cert: { certPem: string; keyPem: string }, servername?: string): Promise<string> {
  const server = createServer({ key: cert.keyPem, cert: cert.certPem }, (socket) => socket.end());
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  const port = (server.address() as { port: number }).port;
  try {
    return await new Promise<string>((done) => {
      const socket = connect({ host: '127.0.0.1', port, servername, ca: ca.certPem }, () => done(socket.authorized ? 'OK' : String(socket.authorizationError)));
      socket.on('error', (error) => done(error.message));
      socket.on('secureConnect', () => socket.end());
    });
  } finally {
    server.close();
  }
}

describe('the CA certificate', () => {
  it('carries critical name constraints: the catalog suffixes as DNS names, e-mail and URI only in .invalid, every IP excluded', () => {
    const extension = forge.pki.certificateFromPem(ca.certPem).getExtension('nameConstraints') as { critical: boolean; permittedSubtrees: Subtree[]; excludedSubtrees: Subtree[] };
    expect(extension.critical).toBe(true);
    const permitted = extension.permittedSubtrees.map(({ type, value }) => ({ type, value }));
    expect(permitted.filter((t) => t.type === 2).map((t) => t.value)).toEqual(defaultCatalog().hostSuffixes());
    expect(permitted.filter((t) => t.type !== 2)).toEqual([{ type: 1, value: 'invalid' }, { type: 6, value: 'invalid' }]);
    expect(extension.excludedSubtrees.map(({ type, value }) => ({ type, value }))).toEqual([{ type: 7, value: '\0'.repeat(8) }, { type: 7, value: '\0'.repeat(32) }]);
  });

  it.runIf(HAS_OPENSSL)('reads the same in OpenSSL', () => {
    const text = spawnSync('openssl', ['x509', '-noout', '-text', '-in', ca.certPath], { encoding: 'utf8' }).stdout;
    const block = /X509v3 Name Constraints: critical\n([\s\S]*?)\n {4}Signature Algorithm/.exec(text)?.[1];
    const names = block?.split('\n').map((line) => line.trim());
    expect(names).toEqual(['Permitted:', ...defaultCatalog().hostSuffixes().map((s) => `DNS:${s}`), 'email:invalid', 'URI:invalid', 'Excluded:', 'IP:0.0.0.0/0.0.0.0', 'IP:0:0:0:0:0:0:0:0/0:0:0:0:0:0:0:0']);
  });

  it('is for TLS servers only (extended key usage)', () => {
    expect(new X509Certificate(ca.certPem).keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']);
  });
});

describe.runIf(HAS_OPENSSL)('leaves under the name constraints (OpenSSL strict)', () => {
  it('a leaf for a host under every intercepted suffix verifies, with the host as its only SAN', () => {
    const hosts = defaultCatalog().hostSuffixes().map((suffix) => `sts.us-east-1.${suffix}`);
    hosts.push(`${'b'.repeat(63)}.s3.us-east-1.amazonaws.com`, 'my.dotted.bucket.s3.amazonaws.com', 's3.dualstack.us-east-1.amazonaws.com');
    for (const host of hosts) {
      const leaf = leaves.forHost(host);
      expect(new X509Certificate(leaf.certPem).subjectAltName).toBe(`DNS:${host}`);
      expect([host, opensslVerify(leaf.certPem)]).toEqual([host, 'OK']);
    }
  });

  // Twelve certificates minted and run through openssl: seconds on a loaded machine.
  it('whatever else the CA key signs is refused: other names, look-alikes, IPs, a CN without SAN, a foreign name beside an AWS one', { timeout: 60_000 }, () => {
    expect(opensslVerify(signWithCaKey('sts.us-east-1.amazonaws.com', ['sts.us-east-1.amazonaws.com']).certPem)).toBe('OK'); // the same recipe, an AWS name
    expect(opensslVerify(leaves.forHost('www.example.com').certPem)).toBe('permitted subtree violation');
    expect(opensslVerify(signWithCaKey('www.example.com', ['www.example.com']).certPem)).toBe('permitted subtree violation');
    expect(opensslVerify(signWithCaKey('amazonaws.com.example.com', ['amazonaws.com.example.com']).certPem)).toBe('permitted subtree violation');
    expect(opensslVerify(signWithCaKey('evilamazonaws.com', ['evilamazonaws.com']).certPem)).toBe('permitted subtree violation');
    expect(opensslVerify(signWithCaKey('127.0.0.1', ['127.0.0.1']).certPem)).toBe('excluded subtree violation');
    expect(opensslVerify(signWithCaKey('::1', ['::1']).certPem)).toBe('excluded subtree violation');
    expect(opensslVerify(signWithCaKey('www.example.com', []).certPem)).toBe('permitted subtree violation');
    expect(opensslVerify(signWithCaKey('x', ['sts.amazonaws.com', 'www.example.com']).certPem)).toBe('permitted subtree violation');
  });
});

describe("Node's TLS client trusting the CA", () => {
  it('accepts the leaf the proxy mints for an AWS host', async () => {
    const leaf = leaves.forHost('sts.us-east-1.amazonaws.com');
    expect(await handshake(leaf, 'sts.us-east-1.amazonaws.com')).toBe('OK');
  });

  it('refuses a leaf the CA key signed for example.com, or for 127.0.0.1, with a name-constraint error', async () => {
    expect(await handshake(signWithCaKey('www.example.com', ['www.example.com']), 'www.example.com')).toBe('permitted subtree violation');
    expect(await handshake(signWithCaKey('127.0.0.1', ['127.0.0.1']))).toBe('excluded subtree violation');
  });
});
