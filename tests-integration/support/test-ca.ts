import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import forge from 'node-forge';

/** A throwaway CA and a server certificate it issued for 127.0.0.1 and localhost. */
export interface TestCa {
  caPem: string;
  /** Where caPem was written, for NODE_EXTRA_CA_CERTS / AWS_CA_BUNDLE. */
  caFile: string;
  serverKeyPem: string;
  serverCertPem: string;
}

const DAY_MS = 24 * 60 * 60 * 1000;

// node:crypto generates RSA keys natively, far faster than forge's pure-JS generator.
function rsaKeyPair(): { privateKey: forge.pki.rsa.PrivateKey; publicKey: forge.pki.rsa.PublicKey; privateKeyPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  });
  return {
    privateKey: forge.pki.privateKeyFromPem(privateKey),
    publicKey: forge.pki.publicKeyFromPem(publicKey),
    privateKeyPem: privateKey,
  };
}

function baseCertificate(publicKey: forge.pki.rsa.PublicKey, commonName: string): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  // A leading 0x01 byte keeps the DER integer positive, as RFC 5280 requires.
  cert.serialNumber = `01${randomBytes(15).toString('hex')}`;
  // Backdated a day so small clock differences between processes never matter.
  cert.validity.notBefore = new Date(Date.now() - DAY_MS);
  cert.validity.notAfter = new Date(Date.now() + 30 * DAY_MS);
  cert.setSubject([{ name: 'commonName', value: commonName }]);
  return cert;
}

/**
 * Creates a CA and a server certificate, and writes the CA PEM to `<dir>/test-ca.pem`.
 * The extensions (key identifiers, critical basicConstraints) satisfy Python's
 * VERIFY_X509_STRICT, which boto3 and AWS CLI v2 may run with.
 */
export function createTestCa(dir: string): TestCa {
  const caKeys = rsaKeyPair();
  const ca = baseCertificate(caKeys.publicKey, 'iam-agent-proxy test CA');
  ca.setIssuer(ca.subject.attributes);
  ca.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  ca.sign(caKeys.privateKey, forge.md.sha256.create());

  const serverKeys = rsaKeyPair();
  const server = baseCertificate(serverKeys.publicKey, 'localhost');
  server.setIssuer(ca.subject.attributes);
  server.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }, { type: 2, value: 'localhost' }] },
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: ca.generateSubjectKeyIdentifier().getBytes() },
  ]);
  server.sign(caKeys.privateKey, forge.md.sha256.create());

  const caPem = forge.pki.certificateToPem(ca);
  const caFile = join(dir, 'test-ca.pem');
  writeFileSync(caFile, caPem);
  return { caPem, caFile, serverKeyPem: serverKeys.privateKeyPem, serverCertPem: forge.pki.certificateToPem(server) };
}

/**
 * A server certificate for `commonName` and `altNames` (IPs become IP SANs; none, no SAN extension)
 * signed with a CA's key: what anyone holding that key could mint. The key pair is fresh.
 */
export function issueServerCertificate(issuer: { caPem: string; caKeyPem: string }, commonName: string, altNames: string[]): { certPem: string; keyPem: string } {
  const ca = forge.pki.certificateFromPem(issuer.caPem);
  const keys = rsaKeyPair();
  const cert = baseCertificate(keys.publicKey, commonName);
  cert.setIssuer(ca.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    ...(altNames.length ? [{ name: 'subjectAltName', altNames: altNames.map((name) => (isIP(name) ? { type: 7, ip: name } : { type: 2, value: name })) }] : []),
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: ca.generateSubjectKeyIdentifier().getBytes() },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(issuer.caKeyPem), forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem: keys.privateKeyPem };
}
