import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rootCertificates } from 'node:tls';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { combinedCaBundle, combinedCaBundlePath, systemCaBundle, writeCombinedCaBundle } from '../../src/tls/ca-bundle.js';

describe('the combined CA bundle', () => {
  let dir: string;
  beforeEach(() => void (dir = mkdtempSync(join(tmpdir(), 'combined-bundle-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('lives beside the agents’ CA copy, and never overwrites it', () => {
    expect(combinedCaBundlePath('/s/ca.pem')).toBe('/s/ca-bundle.pem');
    expect(combinedCaBundlePath('/shared/ca-bundle.pem')).toBe('/shared/ca-bundle-with-system.pem');
  });

  it('takes the first system bundle that exists, SSL_CERT_FILE first, and never our own bundle', () => {
    const files: Record<string, string> = {
      '/etc/pki/tls/certs/ca-bundle.crt': '-----BEGIN CERTIFICATE-----\nfedora\n-----END CERTIFICATE-----\n',
      '/etc/ssl/cert.pem': '-----BEGIN CERTIFICATE-----\nmac\n-----END CERTIFICATE-----\n',
      '/corp/bundle.pem': '-----BEGIN CERTIFICATE-----\ncorp\n-----END CERTIFICATE-----\n',
      '/s/ca-bundle.pem': '-----BEGIN CERTIFICATE-----\nours\n-----END CERTIFICATE-----\n',
    };
    const exists = (path: string) => path in files;
    const read = (path: string) => files[path]!;
    expect(systemCaBundle({}, '/s/ca-bundle.pem', exists, read).source).toBe('/etc/pki/tls/certs/ca-bundle.crt');
    expect(systemCaBundle({ SSL_CERT_FILE: '/corp/bundle.pem' }, '/s/ca-bundle.pem', exists, read).source).toBe('/corp/bundle.pem');
    expect(systemCaBundle({ SSL_CERT_FILE: '/s/ca-bundle.pem' }, '/s/ca-bundle.pem', exists, read).source).toBe('/etc/pki/tls/certs/ca-bundle.crt');
    expect(systemCaBundle({}, '/s/ca-bundle.pem', exists, () => 'not pem').source).toBe("Node's built-in root certificates");
    const fallback = systemCaBundle({}, '/s/ca-bundle.pem', () => false, read);
    expect(fallback.pem).toBe(rootCertificates.join('\n'));
  });

  it('joins the two with a newline between, whatever their endings', () => {
    expect(combinedCaBundle('A', 'B')).toBe('A\n# iam-agent-proxy CA\nB\n');
    expect(combinedCaBundle('A\n', 'B\n')).toBe('A\n# iam-agent-proxy CA\nB\n');
  });

  it('is written 0644 with every system certificate and the proxy CA, parseable as PEM', () => {
    const proxyCa = rootCertificates[0]!; // any valid certificate stands in for the proxy CA
    const system = join(dir, 'system.pem');
    writeFileSync(system, rootCertificates.slice(1, 4).join('\n'));
    const written = writeCombinedCaBundle(join(dir, 'ca.pem'), proxyCa, { SSL_CERT_FILE: system });
    expect(written).toStrictEqual({ path: join(dir, 'ca-bundle.pem'), source: system });
    expect(statSync(written.path).mode & 0o777).toBe(0o644);
    const pems = readFileSync(written.path, 'utf8').match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)!;
    expect(pems.map((pem) => new X509Certificate(pem).fingerprint256)).toStrictEqual(
      [...rootCertificates.slice(1, 4), proxyCa].map((pem) => new X509Certificate(pem).fingerprint256),
    );
  });
});
