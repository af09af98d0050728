import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, X509Certificate, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import forge from 'node-forge';
import { defaultCatalog } from '../services/catalog.js';
import { writeFileAtomic } from '../state/files.js';

export interface CertificateAuthority {
  certPem: string;
  cert: forge.pki.Certificate;
  key: KeyObject;
  certPath: string;
  /** Set when an older CA in the state dir was replaced: one line for stderr. */
  warning?: string;
}

/** A problem with the CA files that the user must fix; the message says how. */
export class CaError extends Error {}

const CA_SUBJECT = [
  { name: 'commonName', value: 'iam-agent-proxy local CA' },
  { name: 'organizationName', value: 'iam-agent-proxy' },
];
const CA_YEARS = 10;
/** forge parses this extension but cannot make one: it is built as DER below. */
const NAME_CONSTRAINTS_OID = '2.5.29.30';

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
  const cert = forge.pki.certificateFromPem(certPem);
  const constraints = cert.getExtension('nameConstraints') as { value: string; critical: boolean } | null;
  if (constraints?.critical && constraints.value === nameConstraints()) return { certPem, cert, key, certPath };
  const why = constraints ? 'was limited to other names than the AWS API hosts this version intercepts' : 'had no name constraints, so its key could sign for any site';
  return {
    ...createCa(certPath, keyPath, now),
    warning: `replaced the CA in ${certPath}: the old one ${why}; wherever a copy of the old ca.pem is trusted, trust the new one instead`,
  };
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
    // Clients that apply a CA's extended key usage to its leaves (OpenSSL, NSS, Windows, macOS) take nothing but TLS servers from it.
    { name: 'extKeyUsage', serverAuth: true },
    { id: NAME_CONSTRAINTS_OID, critical: true, value: nameConstraints() },
  ]);
  signNatively(cert, privateKey);
  const certPem = forge.pki.certificateToPem(cert);
  writeFileAtomic(keyPath, privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), 0o600);
  writeFileAtomic(certPath, certPem, 0o644);
  return { certPem, cert, key: privateKey, certPath };
}

/**
 * The DER of RFC 5280 name constraints (critical, as it requires) for the DNS suffixes of the AWS API
 * hosts the proxy intercepts, so a stolen ca.key cannot mint a certificate clients accept for any
 * other site. IP addresses are excluded outright; e-mail and URI names are confined to the reserved
 * `invalid` TLD (RFC 6761), that is, to none.
 */
function nameConstraints(): string {
  const { asn1 } = forge;
  const tagged = (tag: number, constructed: boolean, value: string | forge.asn1.Asn1[]) => asn1.create(asn1.Class.CONTEXT_SPECIFIC, tag, constructed, value);
  // GeneralSubtree ::= SEQUENCE { base GeneralName } (GeneralName tags: 1 rfc822Name, 2 dNSName, 6 URI, 7 iPAddress)
  const subtree = (tag: number, base: string) => asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [tagged(tag, false, base)]);
  const permitted = [...defaultCatalog().hostSuffixes().map((suffix) => subtree(2, suffix)), subtree(1, 'invalid'), subtree(6, 'invalid')];
  // An iPAddress subtree is address then mask: all zeros is every IPv4 (8 bytes) or IPv6 (32 bytes) address.
  const excluded = [subtree(7, '\0'.repeat(8)), subtree(7, '\0'.repeat(32))];
  const constraints = asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [tagged(0, true, permitted), tagged(1, true, excluded)]);
  return asn1.toDer(constraints).getBytes();
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
