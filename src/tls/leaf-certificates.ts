import { generateKeyPair, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { createSecureContext, type SecureContext } from 'node:tls';
import forge from 'node-forge';
import { randomSerial, signNatively, type CertificateAuthority } from './certificate-authority.js';

export interface LeafCertificate {
  certPem: string;
  keyPem: string;
  notAfter: number;
  /** Ready for a TLS server socket; made once per certificate. */
  secureContext: SecureContext;
}

const LEAF_DAYS = 30;
/**
 * Agents choose the host names (bucket subdomains, say): keep the cache bounded, oldest out first.
 * Each entry holds a TLS context (~60 KiB); a host pushed out is minted again (~3 ms) if it returns.
 */
const MAX_CACHED_HOSTS = 500;
/** A cached leaf this close to expiry is minted again rather than served. */
const RENEW_BEFORE_MS = 24 * 3600_000;

/** The key pair every leaf certificate shares. */
export interface LeafKeyPair {
  privateKey: KeyObject;
  publicKey: KeyObject;
}

/** Makes the leaf key off the main thread (about 150 ms of RSA key generation), while start-up goes on. */
export function generateLeafKeyPair(): Promise<LeafKeyPair> {
  return promisify(generateKeyPair)('rsa', { modulusLength: 2048 });
}

/**
 * Mints per-host TLS certificates signed by our CA. One leaf key serves every host (the library's
 * default makes a fresh RSA key per host: ~350 ms of blocking keygen), and signing is native.
 * Certificates live only in memory, so a cached one is always from the CA of this run. Only AWS API
 * host names get a usable one: the CA's name constraints make clients refuse any other name.
 */
export class LeafCertificates {
  private readonly cache = new Map<string, LeafCertificate>();
  private readonly leafKeyPem: string;
  private readonly leafPublicKey: forge.pki.PublicKey;
  private readonly caKeyIdentifier: string;
  /** The leaf key is shared, so its identifier is too: computed once (forge hashes it in JavaScript). */
  private readonly leafKeyIdentifier: forge.asn1.Asn1;

  constructor(
    private readonly ca: CertificateAuthority,
    private readonly now: () => number = Date.now,
    private readonly maxHosts = MAX_CACHED_HOSTS,
    { privateKey, publicKey }: LeafKeyPair = generateKeyPairSync('rsa', { modulusLength: 2048 }),
  ) {
    this.leafKeyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    this.leafPublicKey = forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString());
    this.caKeyIdentifier = ca.cert.generateSubjectKeyIdentifier().getBytes();
    const leafKeyId = forge.pki.getPublicKeyFingerprint(this.leafPublicKey, { type: 'RSAPublicKey' }) as forge.util.ByteStringBuffer;
    this.leafKeyIdentifier = forge.asn1.create(forge.asn1.Class.UNIVERSAL, forge.asn1.Type.OCTETSTRING, false, leafKeyId.getBytes());
  }

  /** A valid certificate for `hostname`, minted if none is cached or the cached one is near expiry. */
  forHost(hostname: string): LeafCertificate {
    const cached = this.cache.get(hostname);
    if (cached && cached.notAfter - this.now() >= RENEW_BEFORE_MS) return cached;
    const leaf = this.mint(hostname);
    this.cache.delete(hostname);
    if (this.cache.size >= this.maxHosts) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(hostname, leaf);
    return leaf;
  }


  /**
   * Mints certificates for `hostnames` ahead of their first connection, in the background: one per
   * turn of the event loop (a few ms each), so connections and requests are served in between and
   * start-up does not wait. Hosts already cached are skipped. `warm` runs after each host's mint, in
   * the same turn. Resolves once all are minted.
   */
  premint(hostnames: Iterable<string>, warm?: (hostname: string) => void): Promise<void> {
    const queue = [...new Set(hostnames)];
    return new Promise((resolve) => {
      const next = (): void => {
        const hostname = queue.shift();
        if (hostname === undefined) return resolve();
        if (!this.cache.has(hostname)) this.forHost(hostname);
        warm?.(hostname);
        setImmediate(next);
      };
      setImmediate(next);
    });
  }

  private mint(hostname: string): LeafCertificate {
    const now = this.now();
    const cert = forge.pki.createCertificate();
    cert.publicKey = this.leafPublicKey;
    cert.serialNumber = randomSerial();
    cert.validity.notBefore = new Date(now - 3600_000);
    cert.validity.notAfter = new Date(Math.min(now + LEAF_DAYS * 24 * 3600_000, this.ca.cert.validity.notAfter.getTime()));
    cert.setSubject([{ name: 'commonName', value: hostname }]);
    cert.setIssuer(this.ca.cert.subject.attributes);
    cert.setExtensions([
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: [{ type: 2, value: hostname }] },
      // Strict verifiers (Python 3.13's default X509_STRICT) want both key identifiers on a leaf.
      { name: 'subjectKeyIdentifier', value: this.leafKeyIdentifier },
      { name: 'authorityKeyIdentifier', keyIdentifier: this.caKeyIdentifier },
    ]);
    signNatively(cert, this.ca.key);
    const certPem = forge.pki.certificateToPem(cert);
    // The chain includes the CA so clients that only trust it via a bundle still build the path.
    const chain = certPem + this.ca.certPem;
    return {
      certPem: chain,
      keyPem: this.leafKeyPem,
      notAfter: cert.validity.notAfter.getTime(),
      secureContext: createSecureContext({ key: this.leafKeyPem, cert: chain }),
    };
  }
}
