/**
 * 8. Streaming: an S3 PutObject (UNSIGNED-PAYLOAD, then as signed chunks) and a GetObject of STREAM_MIB each, on one
 * connection, through a proxy of its own and direct to the same non-buffering upstream
 * (streaming-upstream.ts), alternately, with the proxy's RSS sampled; then what the proxy holds
 * while the far side of a transfer reads nothing for a few seconds, and for a body signed by its
 * hash (which it must hold whole). 8b: a response trickled over seconds (the shape of Bedrock's
 * InvokeModelWithResponseStream), timed per chunk. Requests are signed here with
 * @smithy/signature-v4: with the agent's keys through the proxy, the real ones direct.
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { Readable, type Duplex } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { SignatureV4 } from '@smithy/signature-v4';
import { NodeSha256 } from '../../src/aws/node-sha256.js';
import { chunkSignatureOf } from '../../test/support/chunk-signing.js';
import type { FakeAws } from '../support/fake-aws.js';
import { REAL, startProxy } from '../support/proxy-process.js';
import { directToUpstream, tunnelThroughProxy, type Connector, type Credentials } from './client.js';
import { clientCpuMs, cpuMsOf, machineCpuMs, machineCpuMsSince, memoryOf, type Memory } from './proc-sampling.js';
import { issueAgentCredentials, startUpstream, type UpstreamStats } from './processes.js';
import { STREAM_MIB, STREAM_ROUNDS } from './settings.js';
import { BEDROCK_HOST, GENERATED_KEY, HASHED_MIB, MIB, S3_HOST, STALLED_KEY, STALL_MIB, STALL_MS, TRICKLE_PATH, generatedMiBs, sha256Of } from './stream-data.js';

export interface Transfer {
  seconds: number;
  /** Bytes and SHA-256 as the receiving side counted them matched what was sent. */
  intact: boolean;
  status: number;
  /** The proxy's CPU during the transfer; for proxied runs, its highest RSS sampled every 20 ms. */
  proxyCpuMs?: number;
  peakRssMiB?: number;
  /** CPU that processes other than client, proxy and upstream took meanwhile, % of one core. */
  othersCpuPct?: number;
}

/** What the proxy holds while the far side of a transfer reads nothing. */
export interface Stall {
  rssBeforeMiB: number;
  rssStalledMiB: number;
  /** PUT: MiB the client had handed to its connection by then (of STALL_MIB). */
  clientSentMiB?: number;
  intact: boolean;
}

export interface Trickle {
  headersMs: number;
  firstByteMs: number;
  lastByteMs: number;
  /** Reads that delivered data: one per chunk when nothing held them back. */
  reads: number;
}

type Pair<T> = { direct: T; proxied: T };

export interface StreamingResult {
  mib: number;
  /** `chunked`: the same PUT as signed chunks (STREAMING-AWS4-HMAC-SHA256-PAYLOAD, 64 KiB as minio-go sends them). */
  rounds: Array<{ put: Pair<Transfer>; chunked: Pair<Transfer>; get: Pair<Transfer> }>;
  memory: { start: Memory; end: Memory };
  stalled: { put: Stall; get: Stall };
  /** A HASHED_MIB PUT signed with its body's hash: the proxy's RSS before it and at its peak. */
  hashed: Transfer & { rssBeforeMiB: number };
  trickle: Pair<Trickle>;
  upstream: UpstreamStats;
}

export async function measureStreaming(progress: (text: string) => void): Promise<StreamingResult> {
  const upstream = await startUpstream('streaming-upstream.ts');
  const proxy = await startProxy({ upstream: { endpoint: upstream.endpoint, caFile: upstream.caFile } as FakeAws });
  try {
    const pid = proxy.child.pid!;
    const pids = { proxy: pid, upstream: upstream.child.pid! };
    const ca = readFileSync(join(proxy.stateDir, 'ca.pem'), 'utf8');
    const agent = await issueAgentCredentials(proxy);
    const via = (host: string): Connector => () => tunnelThroughProxy(proxy.port, host, ca);
    const direct: Connector = () => directToUpstream(upstream.port, upstream.caPem);
    const expected = sha256Of(STREAM_MIB);
    // Warm-up, and a check that both paths work, before memory is read.
    for (const [connect, creds] of [[direct, REAL], [via(S3_HOST), agent]] as const) {
      const checks = [await put(connect, creds, 1, sha256Of(1)), await get(connect, creds, 1, sha256Of(1))];
      if (checks.some((t) => !t.intact)) throw new Error(`streaming sanity transfer failed: ${JSON.stringify(checks)}`);
    }
    const start = memoryOf(pid);
    const rounds: StreamingResult['rounds'] = [];
    for (let round = 1; round <= STREAM_ROUNDS; round++) {
      progress(`8/9 streaming round ${round}/${STREAM_ROUNDS}: ${STREAM_MIB} MiB PUT and GET, direct and via the proxy...`);
      const putDirect = await measured(pids, false, () => put(direct, REAL, STREAM_MIB, expected));
      const putProxied = await measured(pids, true, () => put(via(S3_HOST), agent, STREAM_MIB, expected));
      const chunkedDirect = await measured(pids, false, () => chunkedPut(direct, REAL, STREAM_MIB, expected));
      const chunkedProxied = await measured(pids, true, () => chunkedPut(via(S3_HOST), agent, STREAM_MIB, expected));
      const getDirect = await measured(pids, false, () => get(direct, REAL, STREAM_MIB, expected));
      const getProxied = await measured(pids, true, () => get(via(S3_HOST), agent, STREAM_MIB, expected));
      rounds.push({ put: { direct: putDirect, proxied: putProxied }, chunked: { direct: chunkedDirect, proxied: chunkedProxied }, get: { direct: getDirect, proxied: getProxied } });
    }
    const end = memoryOf(pid);
    progress(`8/9 streaming: ${STALL_MIB} MiB PUT and GET with the far side stalled ${STALL_MS / 1000} s, a ${HASHED_MIB} MiB hash-signed PUT, a trickled response...`);
    const stalled = { put: await stalledPut(pid, via(S3_HOST), agent), get: await stalledGet(pid, via(S3_HOST), agent) };
    const hashed = { rssBeforeMiB: memoryOf(pid).rssMiB, ...(await measured(pids, true, () => hashedPut(via(S3_HOST), agent))) };
    // The proxy's first Bedrock call loads that service's model and mints a certificate: not what is measured here.
    await trickled(via(BEDROCK_HOST), agent);
    const trickle = { direct: await trickled(direct, REAL), proxied: await trickled(via(BEDROCK_HOST), agent) };
    return { mib: STREAM_MIB, rounds, memory: { start, end }, stalled, hashed, trickle, upstream: await upstream.stats() };
  } finally {
    await proxy.stop();
    await upstream.stop();
  }
}

/**
 * Runs one transfer with the CPU of every party measured (what other processes took is the machine's
 * total less ours: this machine is shared) and, when `sampleRss`, the proxy's RSS sampled.
 */
async function measured(pids: { proxy: number; upstream: number }, sampleRss: boolean, transfer: () => Promise<Transfer>): Promise<Transfer> {
  const ours = (): number => clientCpuMs() + cpuMsOf(pids.proxy) + cpuMsOf(pids.upstream);
  let peak = memoryOf(pids.proxy).rssMiB;
  const sampler = sampleRss ? setInterval(() => (peak = Math.max(peak, memoryOf(pids.proxy).rssMiB)), 20) : undefined;
  const [machineBefore, oursBefore, proxyBefore] = [machineCpuMs(), ours(), cpuMsOf(pids.proxy)];
  try {
    const result = await transfer();
    const othersMs = Math.max(0, machineCpuMsSince(machineBefore).processes - (ours() - oursBefore));
    const peakRssMiB = sampleRss ? Math.max(peak, memoryOf(pids.proxy).rssMiB) : undefined;
    return { ...result, proxyCpuMs: cpuMsOf(pids.proxy) - proxyBefore, othersCpuPct: othersMs / 10 / result.seconds, peakRssMiB };
  } finally {
    clearInterval(sampler);
  }
}

/** Signs for `host` as an SDK would: S3 paths as sent, others normalised; `body` hashed unless S3's UNSIGNED-PAYLOAD header says otherwise. */
async function signed(creds: Credentials, request: { method: string; host: string; path: string; service: string; headers: Record<string, string>; body?: string }): Promise<Record<string, string>> {
  const signer = new SignatureV4({ credentials: creds, region: 'us-east-1', service: request.service, sha256: NodeSha256, uriEscapePath: request.service !== 's3', applyChecksum: false });
  const { headers } = await signer.sign({ method: request.method, protocol: 'https:', hostname: request.host, path: request.path, headers: { host: request.host, ...request.headers }, body: request.body });
  return headers;
}

/** One request on a connection of its own; resolves once the response headers are in. `started`: when the connection was up. */
async function open(connect: Connector, options: http.RequestOptions, send: (req: http.ClientRequest) => void): Promise<{ response: http.IncomingMessage; socket: Duplex; started: number }> {
  const socket = await connect();
  const started = performance.now();
  const response = await new Promise<http.IncomingMessage>((resolve, reject) => {
    const req = http.request({ ...options, createConnection: () => socket }, resolve);
    req.on('error', reject);
    send(req);
  });
  return { response, socket, started };
}

async function put(connect: Connector, creds: Credentials, mib: number, sha256: string, options: { key?: string; sent?: { mib: number } } = {}): Promise<Transfer> {
  const path = options.key ?? '/bench-bucket/upload';
  const headers = await signed(creds, { method: 'PUT', host: S3_HOST, path, service: 's3', headers: { 'content-length': String(mib * MIB), 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } });
  const counted = function* (): Generator<Buffer> {
    for (const block of generatedMiBs(mib)) {
      if (options.sent) options.sent.mib++;
      yield block;
    }
  };
  // One MiB read ahead at most, so `sent` counts what the connection took.
  return sendPut(connect, path, headers, Readable.from(counted(), { highWaterMark: 1 }), mib, sha256);
}

/** Streams `body` as a PUT and checks the upstream counted `mib` MiB hashing to `sha256`. */
async function sendPut(connect: Connector, path: string, headers: Record<string, string>, body: Readable, mib: number, sha256: string): Promise<Transfer> {
  const { response, socket, started } = await open(connect, { method: 'PUT', path, headers }, (req) => void pipeline(body, req).catch(() => req.destroy()));
  response.resume();
  await once(response, 'end');
  const seconds = (performance.now() - started) / 1000;
  socket.destroy();
  const intact = response.headers['x-bench-bytes'] === String(mib * MIB) && response.headers['x-bench-sha256'] === sha256;
  return { seconds, intact: response.statusCode === 200 && intact, status: response.statusCode ?? 0 };
}

/** `stall`: read nothing of the body for `ms` first, and call `atEnd` just before reading starts. */
async function get(connect: Connector, creds: Credentials, mib: number, sha256: string, stall?: { ms: number; atEnd: () => void }): Promise<Transfer> {
  const path = `${GENERATED_KEY}${mib}`;
  const headers = await signed(creds, { method: 'GET', host: S3_HOST, path, service: 's3', headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } });
  const { response, socket, started } = await open(connect, { method: 'GET', path, headers }, (req) => req.end());
  if (stall) {
    await sleep(stall.ms);
    stall.atEnd();
  }
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of response as AsyncIterable<Buffer>) {
    hash.update(chunk);
    bytes += chunk.length;
  }
  const seconds = (performance.now() - started) / 1000;
  socket.destroy();
  return { seconds, intact: response.statusCode === 200 && bytes === mib * MIB && hash.digest('hex') === sha256, status: response.statusCode ?? 0 };
}

const CHUNK_BYTES = 64 * 1024;
const SIGNED_CHUNK_OVERHEAD = ';chunk-signature='.length + 64 + 4;

/**
 * A PUT whose body is signed chunk by chunk, each chunk's signature chained on the last (the tests'
 * node:crypto chunk signer); the proxy checks and re-signs every chunk as it streams.
 */
async function chunkedPut(connect: Connector, creds: Credentials, mib: number, sha256: string): Promise<Transfer> {
  const path = '/bench-bucket/chunked';
  const chunks = (mib * MIB) / CHUNK_BYTES;
  const framedLength = chunks * (CHUNK_BYTES.toString(16).length + SIGNED_CHUNK_OVERHEAD + CHUNK_BYTES) + 1 + SIGNED_CHUNK_OVERHEAD;
  const headers = await signed(creds, {
    method: 'PUT',
    host: S3_HOST,
    path,
    service: 's3',
    headers: { 'content-length': String(framedLength), 'content-encoding': 'aws-chunked', 'x-amz-decoded-content-length': String(mib * MIB), 'x-amz-content-sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD' },
  });
  const side = { secretAccessKey: creds.secretAccessKey, amzDate: headers['x-amz-date']!, region: 'us-east-1', service: 's3' };
  const framed = function* (): Generator<Buffer> {
    let previous = /Signature=([0-9a-f]{64})/.exec(headers.authorization!)![1]!;
    const frame = (data: Buffer): Buffer => {
      previous = chunkSignatureOf(side, previous, data);
      return Buffer.concat([Buffer.from(`${data.length.toString(16)};chunk-signature=${previous}\r\n`), data, Buffer.from('\r\n')]);
    };
    for (const block of generatedMiBs(mib)) for (let i = 0; i < MIB; i += CHUNK_BYTES) yield frame(block.subarray(i, i + CHUNK_BYTES));
    yield frame(Buffer.alloc(0));
  };
  return sendPut(connect, path, headers, Readable.from(framed(), { highWaterMark: 16 }), mib, sha256);
}

/** A PUT signed with its body's SHA-256 (as SDKs sign every service but S3): the proxy must hold it whole to check it. */
async function hashedPut(connect: Connector, creds: Credentials): Promise<Transfer> {
  const body = Buffer.concat([...generatedMiBs(HASHED_MIB)]);
  const sha256 = createHash('sha256').update(body).digest('hex');
  const path = '/bench-bucket/hashed';
  const headers = await signed(creds, { method: 'PUT', host: S3_HOST, path, service: 's3', headers: { 'content-length': String(body.length), 'x-amz-content-sha256': sha256 } });
  const { response, socket, started } = await open(connect, { method: 'PUT', path, headers }, (req) => req.end(body));
  response.resume();
  await once(response, 'end');
  const seconds = (performance.now() - started) / 1000;
  socket.destroy();
  return { seconds, intact: response.statusCode === 200 && response.headers['x-bench-sha256'] === sha256, status: response.statusCode ?? 0 };
}

/** A PUT the upstream leaves unread for STALL_MS: the proxy's RSS before and near the stall's end, and how much the client got out meanwhile. */
async function stalledPut(pid: number, connect: Connector, creds: Credentials): Promise<Stall> {
  const before = memoryOf(pid).rssMiB;
  const sent = { mib: 0 };
  const transfer = put(connect, creds, STALL_MIB, sha256Of(STALL_MIB), { key: STALLED_KEY, sent });
  await sleep(STALL_MS - 200);
  const stalled = { rssMiB: memoryOf(pid).rssMiB, sentMiB: sent.mib };
  const done = await transfer;
  return { rssBeforeMiB: before, rssStalledMiB: stalled.rssMiB, clientSentMiB: stalled.sentMiB, intact: done.intact };
}

/** A GET whose client reads nothing for STALL_MS: the proxy's RSS before and at the stall's end. */
async function stalledGet(pid: number, connect: Connector, creds: Credentials): Promise<Stall> {
  const before = memoryOf(pid).rssMiB;
  let stalled = Number.NaN;
  const done = await get(connect, creds, STALL_MIB, sha256Of(STALL_MIB), { ms: STALL_MS, atEnd: () => (stalled = memoryOf(pid).rssMiB) });
  return { rssBeforeMiB: before, rssStalledMiB: stalled, intact: done.intact };
}

async function trickled(connect: Connector, creds: Credentials): Promise<Trickle> {
  const body = JSON.stringify({ inputText: 'Count to twelve.' });
  const headers = await signed(creds, {
    method: 'POST',
    host: BEDROCK_HOST,
    path: TRICKLE_PATH,
    service: 'bedrock',
    headers: { 'content-type': 'application/json', accept: 'application/vnd.amazon.eventstream', 'content-length': String(body.length) },
    body,
  });
  const { response, socket, started } = await open(connect, { method: 'POST', path: TRICKLE_PATH, headers }, (req) => req.end(body));
  const headersMs = performance.now() - started;
  const arrivals: number[] = [];
  for await (const _chunk of response) arrivals.push(performance.now() - started);
  socket.destroy();
  if (response.statusCode !== 200) throw new Error(`trickled response: HTTP ${response.statusCode}`);
  return { headersMs, firstByteMs: arrivals[0] ?? Number.NaN, lastByteMs: arrivals.at(-1) ?? Number.NaN, reads: arrivals.length };
}
