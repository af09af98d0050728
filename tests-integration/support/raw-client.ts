import { readFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import aws4 from 'aws4';
import type { ProxyRun } from './proxy-process.js';

export interface RawRequest {
  host: string;
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string;
  /** Sign with these credentials (aws4, an independent signer); leave out for an unsigned request. */
  signWith?: { accessKeyId: string; secretAccessKey: string };
  service?: string;
  region?: string;
  /** Overrides the signing time (for replay tests). */
  date?: Date;
  /** Called after signing, to tamper with what is sent. */
  tamper?: (request: { headers: Record<string, string>; body: string; path: string }) => void;
  /** Host the CONNECT tunnel is opened to (defaults to `host`). */
  connectHost?: string;
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** Sends one hand-made request through the proxy: CONNECT, TLS trusting the proxy's CA, HTTP/1.1. */
export async function sendThroughProxy(proxy: ProxyRun, request: RawRequest): Promise<RawResponse> {
  const signed = {
    host: request.host,
    method: request.method ?? 'POST',
    path: request.path ?? '/',
    headers: { ...request.headers } as Record<string, string>,
    body: request.body ?? '',
    service: request.service,
    region: request.region,
  };
  if (request.date) signed.headers['X-Amz-Date'] = request.date.toISOString().replace(/[:-]|\.\d{3}/g, '');
  if (request.signWith) aws4.sign(signed, request.signWith);
  const sent = { headers: signed.headers, body: signed.body, path: signed.path };
  request.tamper?.(sent);
  const socket = await openTunnel(proxy, request.connectHost ?? request.host);
  return new Promise((resolve, reject) => {
    const req = http.request({
      method: signed.method,
      path: sent.path,
      headers: { host: request.host, ...sent.headers },
      createConnection: () => socket, // no agent: this one request owns the tunnel
    });
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c));
      res.on('end', () => {
        socket.destroy();
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
      });
    });
    req.on('error', reject);
    req.end(sent.body);
  });
}

export function openTunnel(proxy: ProxyRun, host: string): Promise<import('node:tls').TLSSocket> {
  const ca = readFileSync(join(proxy.stateDir, 'ca.pem'));
  return new Promise((resolve, reject) => {
    const connect = http.request({ method: 'CONNECT', host: '127.0.0.1', port: proxy.port, path: `${host}:443` });
    connect.on('connect', (res, socket) => {
      if (res.statusCode !== 200) return reject(new Error(`CONNECT answered ${res.statusCode}`));
      const tls = tlsConnect({ socket, servername: host, ca }, () => resolve(tls));
      tls.on('error', reject);
    });
    connect.on('error', reject);
    connect.end();
  });
}

/** The agent's keypair, fetched the way the AWS CLI does: by running proxy-creds. */
export async function agentKeys(proxy: ProxyRun, agent?: string): Promise<{ accessKeyId: string; secretAccessKey: string; expiration: string }> {
  const { run, PROXY_CREDS_BIN } = await import('./proxy-process.js');
  const result = await run(process.execPath, [PROXY_CREDS_BIN, ...(agent ? ['--agent', agent] : [])], proxy.agentEnv);
  if (result.code !== 0) throw new Error(`proxy-creds failed: ${result.stderr}`);
  const creds = JSON.parse(result.stdout) as { AccessKeyId: string; SecretAccessKey: string; Expiration: string };
  return { accessKeyId: creds.AccessKeyId, secretAccessKey: creds.SecretAccessKey, expiration: creds.Expiration };
}

export const GET_CALLER_IDENTITY = {
  host: 'sts.amazonaws.com',
  service: 'sts',
  region: 'us-east-1',
  headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
  body: 'Action=GetCallerIdentity&Version=2011-06-15',
};
