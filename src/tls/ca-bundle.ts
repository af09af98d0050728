import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { rootCertificates } from 'node:tls';
import { writeFileAtomic } from '../state/files.js';

/**
 * `ca-bundle.pem`: the system's trusted CAs plus the proxy CA, written on start beside the agents'
 * CA copy, for the variables that replace a trust store (SSL_CERT_FILE, REQUESTS_CA_BUNDLE,
 * CURL_CA_BUNDLE) rather than extend it.
 */

/** The file next to the agents' CA copy holding the system's trusted CAs plus the proxy CA. */
export function combinedCaBundlePath(caBundlePath: string): string {
  const name = basename(caBundlePath) === 'ca-bundle.pem' ? 'ca-bundle-with-system.pem' : 'ca-bundle.pem';
  return join(dirname(caBundlePath), name);
}

/** Where Linux distributions, macOS/BSD and others keep the system's trusted CAs, in PEM. */
export const SYSTEM_CA_BUNDLES = [
  '/etc/ssl/certs/ca-certificates.crt', // Debian, Ubuntu, Alpine, Arch, Gentoo
  '/etc/pki/tls/certs/ca-bundle.crt', // Fedora, RHEL, CentOS
  '/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem', // RHEL 7+
  '/etc/ssl/ca-bundle.pem', // openSUSE
  '/etc/ssl/cert.pem', // macOS, OpenBSD, Alpine
  '/usr/local/etc/ssl/cert.pem', // FreeBSD
  '/usr/local/share/certs/ca-root-nss.crt', // FreeBSD (older)
];

/**
 * The system CAs as PEM text and where they came from: SSL_CERT_FILE if the proxy's own
 * environment names one (and it is not our combined bundle), else the first bundle found on
 * disk, else Node's built-in Mozilla list.
 */
export function systemCaBundle(env: Record<string, string | undefined>, ownBundle: string, exists: (path: string) => boolean = existsSync, read: (path: string) => string = (path) => readFileSync(path, 'utf8')): { pem: string; source: string } {
  const candidates = [...(env.SSL_CERT_FILE && resolve(env.SSL_CERT_FILE) !== resolve(ownBundle) ? [resolve(env.SSL_CERT_FILE)] : []), ...SYSTEM_CA_BUNDLES];
  for (const path of candidates) {
    if (!exists(path)) continue;
    try {
      const pem = read(path);
      if (pem.includes('-----BEGIN CERTIFICATE-----')) return { pem, source: path };
    } catch {
      // unreadable: try the next one
    }
  }
  return { pem: rootCertificates.join('\n'), source: "Node's built-in root certificates" };
}

/** The combined bundle's text: the system CAs, then the proxy CA. */
export function combinedCaBundle(systemPem: string, proxyCaPem: string): string {
  const system = systemPem.endsWith('\n') || systemPem === '' ? systemPem : `${systemPem}\n`;
  const proxy = proxyCaPem.endsWith('\n') ? proxyCaPem : `${proxyCaPem}\n`;
  return `${system}# iam-agent-proxy CA\n${proxy}`;
}

/** Writes the combined bundle (0644) beside the agents' CA copy; returns its path and the system bundle used. */
export function writeCombinedCaBundle(caBundlePath: string, proxyCaPem: string, env: Record<string, string | undefined>): { path: string; source: string } {
  const path = combinedCaBundlePath(caBundlePath);
  const system = systemCaBundle(env, path);
  writeFileAtomic(path, combinedCaBundle(system.pem, proxyCaPem), 0o644);
  return { path, source: system.source };
}
