import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, X509Certificate, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import forge from 'node-forge';
import { writeFileAtomic } from '../state/files.js';

export interface CertificateAuthority {
  certPem: string;
  cert: forge.pki.Certificate;
  key: KeyObject;
  certPath: string;
}

/** A problem with the CA files that the user must fix; the message says how. */
export class CaError extends Error {}

const CA_SUBJECT = [
  { name: 'commonName', value: 'iam-agent-proxy local CA' },
  { name: 'organizationName', value: 'iam-agent-proxy' },
];
const CA_YEARS = 10;

/** Loads `ca.pem` + `ca.key` from the state dir, making them on first run. */
export function loadOrCreateCa(stateDir: string, now = new Date()): CertificateAuthority {
  const certPath = join(stateDir, 'ca.pem');
  const keyPath = join(stateDir, 'ca.key');
  if (!existsSync(certPath) && !existsSync(keyPath)) return createCa(certPath, keyPath, now);
  const fix = `fix its permissions, or delete ${certPath} and ${keyPath} to make a new CA`;
  let certPem: string, keyPem: string;
  try {
    certPem = readFileSync(certPath, 'utf8');
    keyPem = readFileSync(keyPath, 'utf8');
  } catch (error) {
    throw new CaError(`cannot read the CA (${(error as Error).message}): ${fix}`);
  }
  let x509: X509Certificate, key: KeyObject;
  try {
    x509 = new X509Certificate(certPem);
    key = createPrivateKey(keyPem);
  } catch (error) {
    throw new CaError(`the CA in ${certPath} / ${keyPath} is not valid PEM (${(error as Error).message}): ${fix}`);
  }
  if (!x509.ca || !x509.checkPrivateKey(key)) throw new CaError(`${certPath} is not a CA matching ${keyPath}: ${fix}`);
  if (new Date(x509.validTo) <= now) throw new CaError(`the CA in ${certPath} expired on ${x509.validTo}: delete ${certPath} and ${keyPath} to make a new one`);
  return { certPem, cert: forge.pki.certificateFromPem(certPem), key, certPath };
}

function createCa(certPath: string, keyPath: string, now: Date): CertificateAuthority {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 3072 });
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString());
  cert.serialNumber = randomSerial();
  cert.validity.notBefore = new Date(now.getTime() - 3600_000);
  cert.validity.notAfter = new Date(now.getTime() + CA_YEARS * 365 * 24 * 3600_000);
  cert.setSubject(CA_SUBJECT);
  cert.setIssuer(CA_SUBJECT);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: true },
  ]);
  signNatively(cert, privateKey);
  const certPem = forge.pki.certificateToPem(cert);
  writeFileAtomic(keyPath, privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), 0o600);
  writeFileAtomic(certPath, certPem, 0o644);
  return { certPem, cert, key: privateKey, certPath };
}

/**
 * Signs a forge certificate with node:crypto. forge's own RSA signing is pure JavaScript and takes
 * tens of milliseconds; native signing takes well under one.
 */
export function signNatively(cert: forge.pki.Certificate, key: KeyObject): void {
  cert.signatureOid = forge.pki.oids.sha256WithRSAEncryption!;
  cert.siginfo.algorithmOid = cert.signatureOid;
  // getTBSCertificate exists at runtime but is missing from @types/node-forge.
  const tbsAsn1 = (forge.pki as unknown as { getTBSCertificate(c: forge.pki.Certificate): forge.asn1.Asn1 }).getTBSCertificate(cert);
  (cert as unknown as { tbsCertificate: forge.asn1.Asn1 }).tbsCertificate = tbsAsn1;
  const tbs = forge.asn1.toDer(tbsAsn1).getBytes();
  cert.signature = sign('sha256', Buffer.from(tbs, 'binary'), key).toString('binary');
}

export function randomSerial(): string {
  // Positive 16-byte serial: a leading 0x01..0x7f byte keeps the DER integer positive.
  return (Math.floor(Math.random() * 0x7e) + 1).toString(16).padStart(2, '0') + forge.util.bytesToHex(forge.random.getBytesSync(15));
}

export function publicKeyPem(key: KeyObject): string {
  return createPublicKey(key).export({ type: 'spki', format: 'pem' }).toString();
}
