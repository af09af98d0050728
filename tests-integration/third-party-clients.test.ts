/**
 * Third-party S3 clients through the real proxy to the fake AWS (issue 9): each runs its own
 * make-bucket / upload (a small file and one over 20 MiB) / list / download-and-compare / delete in
 * record mode; `iam-agent-proxy policy` turns that recording into a policy; the proxy restarted in
 * enforce mode with it lets the same run through with nothing blocked, and refuses one call outside
 * the recording (AccessDenied, nothing sent upstream).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HttpsProxyAgent } from 'https-proxy-agent';
import * as Minio from 'minio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeAws, type FakeAws } from './support/fake-aws.js';
import { actionRecords, AWS_CLI, cleanEnv, PROXY_BIN, REAL, REPO, run, startProxy, type ProxyRun } from './support/proxy-process.js';
import { agentKeys } from './support/raw-client.js';

type Keys = { accessKeyId: string; secretAccessKey: string };
type Result = { code: number | null; stdout: string; stderr: string };

interface Context {
  proxy: ProxyRun;
  upstream: FakeAws;
  keys: Keys;
  /** Scratch directory of this run (record or enforce), holding small.txt and big.bin. */
  dir: string;
  small: Buffer;
  big: Buffer;
}

interface Client {
  name: string;
  available: boolean;
  /** The client's whole run; every step checked. Must use the same names in both runs. */
  workload(context: Context): Promise<void>;
  /** One call the recording did not contain (for example removing another bucket). */
  outside(context: Context): Promise<Result>;
  /** `policy --resources` (default exact): a client whose object names change from run to run needs wildcard. */
  resources?: 'exact' | 'collapse' | 'wildcard';
  /** Undoes what a failed run may have left behind on this machine (a mount). */
  cleanUp?(): Promise<void>;
}

const has = (command: string, args: string[] = ['--version']) => spawnSync(command, args).status === 0;

/** The fixed content of both runs, so the enforce run asks for exactly what was recorded. */
const SMALL = Buffer.from(`through the proxy ${'s'.repeat(3000)} \u00e9\n`);
const BIG = randomBytes(21 * 1024 * 1024 + 12345);

function expectOnlyRealSignatures(upstream: FakeAws): void {
  expect(upstream.requests.length).toBeGreaterThan(0);
  for (const request of upstream.requests) {
    expect([request.method, request.path, request.failure, request.verified, request.accessKeyId]).toEqual([request.method, request.path, undefined, true, REAL.accessKeyId]);
    expect(JSON.stringify(request.headers)).not.toMatch(/AKIAPROXY/);
  }
}

const must = (result: Result, what: string): Result => {
  expect(result.code, `${what}: ${result.stderr}${result.stdout}`).toBe(0);
  return result;
};

// ---------------------------------------------------------------- s3cmd

function s3cmdConfig(context: Context): string {
  const file = join(context.dir, 's3cfg');
  writeFileSync(
    file,
    [
      '[default]',
      `access_key = ${context.keys.accessKeyId}`,
      `secret_key = ${context.keys.secretAccessKey}`,
      'host_base = s3.amazonaws.com',
      'host_bucket = %(bucket)s.s3.amazonaws.com',
      'bucket_location = us-east-1',
      'use_https = True',
      'check_ssl_certificate = True',
      `ca_certs_file = ${join(context.proxy.stateDir, 'ca-bundle.pem')}`,
      'proxy_host = 127.0.0.1',
      `proxy_port = ${context.proxy.port}`,
      'signature_v2 = False',
      'multipart_chunk_size_mb = 15',
      '',
    ].join('\n'),
  );
  return file;
}

const s3cmd = (context: Context, args: string[]) => run('s3cmd', ['-c', s3cmdConfig(context), '--no-progress', ...args], cleanEnv(context.proxy.home));

const S3CMD: Client = {
  name: 's3cmd',
  available: has('s3cmd'),
  async workload(context) {
    const { dir, upstream } = context;
    must(await s3cmd(context, ['mb', 's3://s3cmd-bucket']), 'mb');
    must(await s3cmd(context, ['put', join(dir, 'small.txt'), 's3://s3cmd-bucket/dir/small.txt']), 'put small');
    must(await s3cmd(context, ['put', join(dir, 'big.bin'), 's3://s3cmd-bucket/dir/big.bin']), 'put big');
    expect(upstream.objects.get('s3cmd-bucket/dir/small.txt')?.equals(context.small)).toBe(true);
    expect(upstream.objects.get('s3cmd-bucket/dir/big.bin')?.equals(context.big)).toBe(true);
    // Over 15 MiB: s3cmd uploads it in parts.
    expect(upstream.requests.some((r) => r.method === 'POST' && /uploads/.test(r.path))).toBe(true);
    const ls = must(await s3cmd(context, ['ls', 's3://s3cmd-bucket/dir/']), 'ls');
    expect(ls.stdout).toMatch(new RegExp(`\\s${context.small.length}\\s+s3://s3cmd-bucket/dir/small.txt`));
    expect(ls.stdout).toMatch(new RegExp(`\\s${context.big.length}\\s+s3://s3cmd-bucket/dir/big.bin`));
    const back = join(dir, 'back');
    mkdirSync(back);
    must(await s3cmd(context, ['get', 's3://s3cmd-bucket/dir/small.txt', join(back, 'small.txt')]), 'get small');
    must(await s3cmd(context, ['get', 's3://s3cmd-bucket/dir/big.bin', join(back, 'big.bin')]), 'get big');
    expect(readFileSync(join(back, 'small.txt')).equals(context.small)).toBe(true);
    expect(readFileSync(join(back, 'big.bin')).equals(context.big)).toBe(true);
    must(await s3cmd(context, ['del', 's3://s3cmd-bucket/dir/small.txt', 's3://s3cmd-bucket/dir/big.bin']), 'del');
    expect([...upstream.objects.keys()].filter((k) => k.startsWith('s3cmd-bucket/'))).toEqual([]);
    must(await s3cmd(context, ['rb', 's3://s3cmd-bucket']), 'rb');
  },
  outside: (context) => s3cmd(context, ['rb', 's3://another-bucket']),
};

// ---------------------------------------------------------------- minio (npm)

/**
 * The proxy agent's `ca` option covers only the connection to the proxy; the tunnelled TLS takes the
 * request's options, which minio does not let us set. In a process of its own, NODE_EXTRA_CA_CERTS
 * does the same (the JS SDK tests' way); here the agent adds the CA to each tunnelled connection.
 */
class TrustingProxyAgent extends HttpsProxyAgent<string> {
  constructor(
    url: string,
    private readonly trusted: Buffer,
  ) {
    super(url);
  }
  override connect(request: Parameters<HttpsProxyAgent<string>['connect']>[0], options: Parameters<HttpsProxyAgent<string>['connect']>[1]) {
    return super.connect(request, { ...options, ca: this.trusted } as typeof options);
  }
}

/** minio-js ignores HTTPS_PROXY: it gets a proxy agent, as the JS SDK tests give theirs. */
function minioClient(context: Context): Minio.Client {
  const transportAgent = new TrustingProxyAgent(context.proxy.url, readFileSync(join(context.proxy.stateDir, 'ca.pem')));
  // partSize 5 MiB: the 21 MiB file goes up in parts (minio's default part is 64 MiB).
  return new Minio.Client({ endPoint: 's3.amazonaws.com', useSSL: true, region: 'us-east-1', accessKey: context.keys.accessKeyId, secretKey: context.keys.secretAccessKey, transportAgent, partSize: 5 * 1024 * 1024 });
}

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks);
}

const MINIO: Client = {
  name: 'minio (npm)',
  available: true,
  async workload(context) {
    const { upstream } = context;
    const minio = minioClient(context);
    await minio.makeBucket('minio-bucket', 'us-east-1');
    expect(upstream.requests.some((r) => r.method === 'PUT' && /minio-bucket/.test(r.host + r.path))).toBe(true);
    await minio.fPutObject('minio-bucket', 'dir/small.txt', join(context.dir, 'small.txt'));
    await minio.fPutObject('minio-bucket', 'dir/big.bin', join(context.dir, 'big.bin')); // a file over partSize: in parts
    expect(upstream.objects.get('minio-bucket/dir/small.txt')?.equals(context.small)).toBe(true);
    expect(upstream.objects.get('minio-bucket/dir/big.bin')?.equals(context.big)).toBe(true);
    expect(upstream.requests.filter((r) => r.method === 'PUT' && /uploadId=/.test(r.path)).length).toBeGreaterThan(1);
    const listed: Array<{ name?: string; size: number }> = [];
    for await (const item of minio.listObjectsV2('minio-bucket', 'dir/', true)) listed.push(item as { name?: string; size: number });
    expect(listed.map((o) => [o.name, o.size]).sort()).toEqual([['dir/big.bin', context.big.length], ['dir/small.txt', context.small.length]]);
    expect((await readAll(await minio.getObject('minio-bucket', 'dir/small.txt'))).equals(context.small)).toBe(true);
    const back = join(context.dir, 'big.back');
    await minio.fGetObject('minio-bucket', 'dir/big.bin', back);
    expect(readFileSync(back).equals(context.big)).toBe(true);
    expect((await minio.statObject('minio-bucket', 'dir/big.bin')).size).toBe(context.big.length);
    await minio.removeObject('minio-bucket', 'dir/small.txt');
    await minio.removeObjects('minio-bucket', ['dir/big.bin']);
    expect([...upstream.objects.keys()].filter((k) => k.startsWith('minio-bucket/'))).toEqual([]);
    await minio.removeBucket('minio-bucket');
  },
  async outside(context) {
    try {
      await minioClient(context).removeBucket('another-bucket');
      return { code: 0, stdout: '', stderr: '' };
    } catch (error) {
      return { code: 1, stdout: '', stderr: `${(error as { code?: string }).code}: ${(error as Error).message}` };
    }
  },
};

// ---------------------------------------------------------------- restic (minio-go) over HTTPS

/** restic: static keys (minio-go reads no credential_process), HTTPS_PROXY, the combined bundle as SSL_CERT_FILE. */
function restic(context: Context, args: string[], bucket = 'restic-bucket'): Promise<Result> {
  return run('restic', ['-r', `s3:https://s3.amazonaws.com/${bucket}/repo`, ...args], {
    ...cleanEnv(context.proxy.home),
    HTTPS_PROXY: context.proxy.url,
    SSL_CERT_FILE: join(context.proxy.stateDir, 'ca-bundle.pem'),
    AWS_ACCESS_KEY_ID: context.keys.accessKeyId,
    AWS_SECRET_ACCESS_KEY: context.keys.secretAccessKey,
    RESTIC_PASSWORD: 'a test repository password',
    RESTIC_CACHE_DIR: join(context.dir, 'cache'),
  });
}

const RESTIC: Client = {
  name: 'restic (minio-go) over HTTPS',
  available: has('restic', ['version']),
  // Its object names are content hashes under a per-repository key: they differ from run to run.
  resources: 'wildcard',
  async workload(context) {
    const { dir, upstream } = context;
    const data = join(dir, 'data');
    mkdirSync(data);
    writeFileSync(join(data, 'small.txt'), context.small);
    writeFileSync(join(data, 'big.bin'), context.big);
    // restic has no make-bucket or remove-bucket: init (which makes the bucket only if it is missing), backup, list, restore, check, forget --prune.
    must(await restic(context, ['init']), 'init');
    expect(upstream.objects.has('restic-bucket/repo/config')).toBe(true);
    must(await restic(context, ['backup', data]), 'backup');
    const stored = [...upstream.objects].filter(([id]) => id.startsWith('restic-bucket/repo/data/'));
    expect(stored.reduce((total, [, bytes]) => total + bytes.length, 0)).toBeGreaterThan(context.big.length); // encrypted, so a little more
    const snapshots = JSON.parse(must(await restic(context, ['snapshots', '--json']), 'snapshots').stdout) as Array<{ id: string; paths: string[] }>;
    expect(snapshots.map((s) => s.paths)).toEqual([[data]]);
    const listed = must(await restic(context, ['ls', 'latest']), 'ls').stdout;
    expect(listed).toContain(join(data, 'big.bin'));
    const back = join(dir, 'back');
    must(await restic(context, ['restore', 'latest', '--target', back]), 'restore');
    expect(readFileSync(join(back, data, 'small.txt')).equals(context.small)).toBe(true);
    expect(readFileSync(join(back, data, 'big.bin')).equals(context.big)).toBe(true);
    must(await restic(context, ['check', '--read-data']), 'check --read-data');
    must(await restic(context, ['forget', snapshots[0]!.id, '--prune']), 'forget --prune');
    expect([...upstream.objects.keys()].filter((id) => /^restic-bucket\/repo\/(data|snapshots)\//.test(id))).toEqual([]);
    expect(upstream.requests.some((r) => r.method === 'DELETE')).toBe(true);
  },
  outside: (context) => restic(context, ['snapshots'], 'another-bucket'),
};

// ---------------------------------------------------------------- Go: aws-sdk-go-v2 from Debian

const GO_SOURCE = join(REPO, 'tests-integration/clients/go-s3');
const GO_SDK = '/usr/share/gocode/src/github.com/aws/aws-sdk-go-v2/feature/s3/manager';
let goBinary: string | undefined;

/** Builds clients/go-s3 once per test run, offline, in GOPATH mode against Debian's sources (about 20 s cold). */
function goClient(): string {
  if (goBinary) return goBinary;
  const binary = join(mkdtempSync(join(tmpdir(), 'iap-go-s3-')), 'go-s3');
  const built = spawnSync('go', ['build', '-o', binary, '.'], {
    cwd: GO_SOURCE,
    env: { ...process.env, GO111MODULE: 'off', GOPATH: '/usr/share/gocode', GOFLAGS: '', GOPROXY: 'off' },
    encoding: 'utf8',
  });
  if (built.status !== 0) throw new Error(`go build failed: ${built.stderr}`);
  return (goBinary = binary);
}

/** The SDK as the README says: AWS_PROFILE (credential_process, ca_bundle) and HTTPS_PROXY, from the agent environment. */
const goS3 = (context: Context, args: string[]) => run(goClient(), args, { ...context.proxy.agentEnv, AWS_MAX_ATTEMPTS: '1' });

const GO: Client = {
  name: 'Go (aws-sdk-go-v2)',
  available: has('go', ['version']) && existsSync(GO_SDK),
  async workload(context) {
    const { dir, upstream } = context;
    must(await goS3(context, ['mb', 'go-bucket']), 'mb');
    must(await goS3(context, ['put', 'go-bucket', 'dir/small.txt', join(dir, 'small.txt')]), 'put small');
    must(await goS3(context, ['put', 'go-bucket', 'dir/big.bin', join(dir, 'big.bin')]), 'put big');
    expect(upstream.objects.get('go-bucket/dir/small.txt')?.equals(context.small)).toBe(true);
    expect(upstream.objects.get('go-bucket/dir/big.bin')?.equals(context.big)).toBe(true);
    expect(upstream.requests.filter((r) => r.method === 'PUT' && /uploadId=/.test(r.path)).length).toBeGreaterThan(1);
    const ls = must(await goS3(context, ['ls', 'go-bucket', 'dir/']), 'ls');
    expect(ls.stdout.trim().split('\n').sort()).toEqual([`${context.big.length} dir/big.bin`, `${context.small.length} dir/small.txt`]);
    for (const name of ['small.txt', 'big.bin']) {
      must(await goS3(context, ['get', 'go-bucket', `dir/${name}`, join(dir, `${name}.back`)]), `get ${name}`);
      expect(readFileSync(join(dir, `${name}.back`)).equals(name === 'big.bin' ? context.big : context.small)).toBe(true);
    }
    must(await goS3(context, ['rm', 'go-bucket', 'dir/small.txt', 'dir/big.bin']), 'rm');
    expect([...upstream.objects.keys()].filter((k) => k.startsWith('go-bucket/'))).toEqual([]);
    must(await goS3(context, ['rb', 'go-bucket']), 'rb');
  },
  outside: (context) => goS3(context, ['rb', 'another-bucket']),
};

// ---------------------------------------------------------------- s3fs-fuse

/**
 * s3fs (Debian's 1.90, libcurl on GnuTLS): static keys in AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, `https_proxy`,
 * the combined bundle as CURL_CA_BUNDLE. s3fs reads CURL_CA_BUNDLE only once a request has failed verification
 * against the system's CAs, then retries that request: its `retries` must stay above 1 (the default is 5).
 * `-o sigv4`: otherwise a refused bucket check is retried with SigV2, which the proxy does not take.
 * Everything on the mount runs in child processes: a blocking call on it from this process would stall the fake
 * AWS, which answers s3fs from this same event loop.
 */
interface S3fsMount {
  dir: string;
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

const S3FS_MOUNTS = new Set<S3fsMount>();
const FUSERMOUNT = has('fusermount', ['-V']) ? 'fusermount' : 'fusermount3';
const sleep = (ms: number) => new Promise((wake) => setTimeout(wake, ms));

/** Whether s3fs has a file system mounted on `dir` (mountinfo: the mount point is field 5, the type follows ` - `). */
function s3fsMounted(dir: string): boolean {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .some((line) => line.split(' ')[4] === dir && / - fuse\.s3fs /.test(line));
}

function s3fsEnv(context: Context): Record<string, string> {
  return {
    ...cleanEnv(context.proxy.home),
    https_proxy: context.proxy.url,
    CURL_CA_BUNDLE: join(context.proxy.stateDir, 'ca-bundle.pem'),
    AWS_ACCESS_KEY_ID: context.keys.accessKeyId,
    AWS_SECRET_ACCESS_KEY: context.keys.secretAccessKey,
  };
}

/** Unmounts (lazily if busy) and waits for s3fs to leave; its exit status, or null if it had to be killed. */
async function unmountS3fs(mount: S3fsMount): Promise<number | null> {
  const env = cleanEnv(tmpdir());
  const unmount = async () => {
    if (s3fsMounted(mount.dir) && (await run(FUSERMOUNT, ['-u', mount.dir], env)).code !== 0) await run(FUSERMOUNT, ['-u', '-z', mount.dir], env);
  };
  await unmount();
  let code = await Promise.race([mount.exited, sleep(15_000).then(() => 'hung' as const)]);
  if (code === 'hung') {
    mount.child.kill('SIGKILL');
    await mount.exited;
    await unmount(); // a killed s3fs leaves its mount behind ("Transport endpoint is not connected")
    code = null;
  }
  S3FS_MOUNTS.delete(mount);
  expect(s3fsMounted(mount.dir), `still mounted: ${mount.dir}`).toBe(false);
  return code;
}

/**
 * Starts s3fs in the foreground on `dir`; the mount once it serves requests, or undefined and s3fs's output
 * if it did not come up (its bucket check failed, for one).
 */
async function mountS3fs(context: Context, bucket: string, dir: string): Promise<{ mount?: S3fsMount; output: string }> {
  mkdirSync(dir, { recursive: true });
  const options = ['url=https://s3.amazonaws.com', 'endpoint=us-east-1', 'sigv4', 'dbglevel=err'];
  const child = spawn('s3fs', [bucket, dir, '-f', ...options.flatMap((option) => ['-o', option])], { env: s3fsEnv(context), stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
  const mount: S3fsMount = { dir, child, output: () => output, exited };
  S3FS_MOUNTS.add(mount);
  for (const deadline = Date.now() + 20_000; !s3fsMounted(dir) && child.exitCode === null && Date.now() < deadline; ) await sleep(50);
  // The kernel holds requests on a FUSE mount until s3fs has answered INIT, which is where it checks the bucket:
  // `ls` answers once s3fs serves the mount, and fails once a failed check has made it leave.
  const listed = s3fsMounted(dir) ? await run('timeout', ['20', 'ls', '-a', dir], cleanEnv(context.proxy.home)) : undefined;
  await sleep(300);
  if (listed?.code === 0 && child.exitCode === null && s3fsMounted(dir)) return { mount, output };
  await unmountS3fs(mount);
  return { output: `${output}${listed?.stderr ?? ''}` };
}

/** Runs `use` on a fresh mount of `bucket` and unmounts whatever happens; s3fs must then leave with status 0. */
async function withS3fs(context: Context, bucket: string, dir: string, use: () => Promise<void>): Promise<void> {
  const { mount, output } = await mountS3fs(context, bucket, dir);
  expect(mount, `s3fs did not mount ${bucket}: ${output}`).toBeDefined();
  let code: number | null;
  try {
    await use();
  } finally {
    code = await unmountS3fs(mount!);
  }
  expect(code, `s3fs: ${mount!.output()}`).toBe(0);
}

const S3FS: Client = {
  name: 's3fs-fuse',
  available: has('s3fs') && existsSync('/dev/fuse') && existsSync(AWS_CLI),
  async workload(context) {
    const { dir, upstream } = context;
    const sh = (command: string, args: string[]) => run('timeout', ['60', command, ...args], cleanEnv(context.proxy.home));
    const mnt = join(dir, 'mnt');
    // s3fs makes no buckets (1.90's undocumented `-o createbucket` is gone from later versions): the AWS CLI
    // makes and removes this one, through the proxy as well, so it is in the recording too.
    must(await run(AWS_CLI, ['s3', 'mb', 's3://s3fs-bucket'], context.proxy.agentEnv), 'aws s3 mb');
    await withS3fs(context, 's3fs-bucket', mnt, async () => {
      must(await sh('mkdir', [join(mnt, 'dir')]), 'mkdir');
      must(await sh('cp', [join(dir, 'small.txt'), join(mnt, 'dir/small.txt')]), 'cp small');
      must(await sh('cp', [join(dir, 'big.bin'), join(mnt, 'dir/big.bin')]), 'cp big');
    });
    expect(upstream.objects.get('s3fs-bucket/dir/')?.length).toBe(0); // mkdir: an empty object named `dir/`
    expect(upstream.objects.get('s3fs-bucket/dir/small.txt')?.equals(context.small)).toBe(true);
    expect(upstream.objects.get('s3fs-bucket/dir/big.bin')?.equals(context.big)).toBe(true);
    // Over 20 MiB: s3fs uploads it in 10 MiB parts.
    expect(upstream.requests.filter((r) => r.method === 'PUT' && /uploadId=/.test(r.path)).length).toBeGreaterThan(1);

    // Mounted afresh, so the listing and the bytes come from S3, not from the first mount's caches.
    const before = upstream.requests.length;
    await withS3fs(context, 's3fs-bucket', mnt, async () => {
      const ls = must(await sh('ls', ['-ln', join(mnt, 'dir')]), 'ls');
      expect(ls.stdout).toMatch(new RegExp(`\\s${context.small.length}\\s.*\\ssmall\\.txt$`, 'm'));
      expect(ls.stdout).toMatch(new RegExp(`\\s${context.big.length}\\s.*\\sbig\\.bin$`, 'm'));
      const back = join(dir, 'back');
      mkdirSync(back);
      must(await sh('cp', [join(mnt, 'dir/small.txt'), join(mnt, 'dir/big.bin'), back]), 'cp back');
      expect(readFileSync(join(back, 'small.txt')).equals(context.small)).toBe(true);
      expect(readFileSync(join(back, 'big.bin')).equals(context.big)).toBe(true);
      must(await sh('rm', [join(mnt, 'dir/small.txt'), join(mnt, 'dir/big.bin')]), 'rm');
      must(await sh('rmdir', [join(mnt, 'dir')]), 'rmdir');
    });
    const later = upstream.requests.slice(before).map((r) => `${r.method} ${r.host}${r.path.split('?')[0]}`);
    expect(later).toContain('GET s3fs-bucket.s3.amazonaws.com/dir/big.bin');
    expect(later).toContain('DELETE s3fs-bucket.s3.amazonaws.com/dir/big.bin');
    expect([...upstream.objects.keys()].filter((k) => k.startsWith('s3fs-bucket/'))).toEqual([]);
    must(await run(AWS_CLI, ['s3', 'rb', 's3://s3fs-bucket'], context.proxy.agentEnv), 'aws s3 rb');
  },
  // Mounting another bucket: s3fs checks it first. s3fs 1.90 leaves with status 0 even when that check fails (it
  // keeps the failure but returns fuse_main's status), so the status here is whether the mount came up.
  async outside(context) {
    const { mount, output } = await mountS3fs(context, 'another-bucket', join(context.dir, 'another'));
    if (mount) await unmountS3fs(mount);
    return { code: mount ? 0 : 1, stdout: '', stderr: output };
  },
  async cleanUp() {
    for (const mount of [...S3FS_MOUNTS]) await unmountS3fs(mount);
  },
};

// ---------------------------------------------------------------- the runs

const CLIENTS: Client[] = [S3CMD, MINIO, RESTIC, GO, S3FS];

async function settled(upstream: FakeAws): Promise<void> {
  // The proxy learns its account id with a call of its own right after it starts.
  for (const deadline = Date.now() + 3000; upstream.requests.length === 0 && Date.now() < deadline; ) await new Promise((wake) => setTimeout(wake, 50));
  await new Promise((wake) => setTimeout(wake, 200));
  upstream.reset();
}

async function contextFor(proxy: ProxyRun, upstream: FakeAws): Promise<Context> {
  const dir = mkdtempSync(join(tmpdir(), 'iap-third-party-'));
  writeFileSync(join(dir, 'small.txt'), SMALL);
  writeFileSync(join(dir, 'big.bin'), BIG);
  return { proxy, upstream, keys: await agentKeys(proxy), dir, small: SMALL, big: BIG };
}

/** Waits until the log has stopped growing (lines follow responses). */
async function quietLog(proxy: ProxyRun): Promise<Array<Record<string, unknown>>> {
  let count = -1;
  for (let records = actionRecords(proxy); records.length !== count; records = actionRecords(proxy)) {
    count = records.length;
    await new Promise((wake) => setTimeout(wake, 300));
  }
  return actionRecords(proxy);
}

for (const client of CLIENTS) {
  describe.runIf(client.available)(`${client.name} through the proxy: record, generate, enforce`, () => {
    let upstream: FakeAws;
    let policyFile: string;
    beforeAll(async () => {
      upstream = await startFakeAws({ credentials: REAL, dir: mkdtempSync(join(tmpdir(), 'iap-upstream-')) });
    });
    afterAll(async () => {
      await client.cleanUp?.();
      await upstream?.close();
    });

    it('record mode: the whole run works, every request re-signed with the real key; the log becomes a policy', async () => {
      const proxy = await startProxy({ upstream });
      try {
        await settled(upstream);
        const context = await contextFor(proxy, upstream);
        await client.workload(context);
        expectOnlyRealSignatures(upstream);
        const records = await quietLog(proxy);
        expect(records.length).toBeGreaterThan(0);
        expect(records.filter((r) => r.decision !== 'allowed').map((r) => `${r.decision} ${r.operation}`)).toEqual([]);
      } finally {
        await proxy.stop();
      }
      policyFile = join(mkdtempSync(join(tmpdir(), 'iap-policy-')), 'policy.json');
      const generated = await run(process.execPath, [PROXY_BIN, 'policy', '--resources', client.resources ?? 'exact', '--output', policyFile], { ...cleanEnv(proxy.home), ACTION_LOG_PATH: join(proxy.stateDir, 'actions.log') });
      expect(generated.code, generated.stderr).toBe(0);
      expect(existsSync(policyFile)).toBe(true);
    }, 180_000);

    it('enforce mode with the generated policy: the same run passes with nothing blocked; a call outside it is AccessDenied', async () => {
      expect(policyFile, 'the record run produced no policy').toBeDefined();
      const proxy = await startProxy({ upstream, env: { PROXY_MODE: 'enforce', ALLOWLIST_PATH: policyFile } });
      try {
        await settled(upstream);
        const context = await contextFor(proxy, upstream);
        await client.workload(context);
        expectOnlyRealSignatures(upstream);
        const records = await quietLog(proxy);
        expect(records.filter((r) => r.decision !== 'allowed').map((r) => `${r.decision} ${r.operation} ${JSON.stringify(r.authorizations)}`)).toEqual([]);

        upstream.reset();
        const outside = await client.outside(context);
        expect(outside.code).not.toBe(0);
        expect(outside.stdout + outside.stderr).toMatch(/AccessDenied|Access Denied/);
        const reached = upstream.requests.map((r) => `${r.method} ${r.host}${r.path}`);
        if (client.resources === 'wildcard') {
          // A wildcard policy names every bucket (arn:aws:s3:::*) for the bucket-level actions the client used, so its
          // bucket probes of another bucket go through; no object of that bucket may be read.
          expect(reached.filter((line) => !/^(GET|HEAD) [^ /]*\/(another-bucket\/)?\?/.test(line))).toEqual([]);
        } else {
          expect(reached).toEqual([]);
        }
        const after = await quietLog(proxy);
        const blocked = after.slice(records.length).filter((r) => r.decision === 'blocked');
        expect(blocked.length).toBeGreaterThan(0);
        expect(JSON.stringify(blocked.map((r) => r.authorizations))).toContain('arn:aws:s3:::another-bucket');
      } finally {
        await proxy.stop();
      }
    }, 180_000);
  });
}

