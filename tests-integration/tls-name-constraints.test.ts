import { mkdtempSync, readFileSync } from 'node:fs';
import { Agent, createServer as createHttpsServer, type Server } from 'node:https';
import { createServer as createTcpServer, connect as tcpConnect, type AddressInfo, type LookupFunction } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeAws, type FakeAws } from './support/fake-aws.js';
import { AWS_CLI, PYTHON, REAL, REPO, cleanEnv, run, startProxy, type ProxyRun } from './support/proxy-process.js';
import { issueServerCertificate } from './support/test-ca.js';

// Debian's /usr/bin/aws (AWS CLI 2.9) runs on the system python3 and its ssl module, so it verifies
// with the system OpenSSL like boto3 and curl do; the upstream installer bundles its own Python and OpenSSL.
const AWS_HOST = 'sts.us-east-1.amazonaws.com';
const FOREIGN_HOST = 'www.example.com';
const IMPOSTOR_ACCOUNT = '999988887777';
const PYTHON_HANDSHAKE = `
import socket, ssl, sys
host, port, cafile = sys.argv[1], int(sys.argv[2]), sys.argv[3]
try:
    ssl.create_default_context(cafile=cafile).wrap_socket(socket.create_connection(("127.0.0.1", port)), server_hostname=host).close()
    print("OK")
except ssl.SSLCertVerificationError as error:
    print(error.verify_message)
`;
const BOTO3_IDENTITY = `
import sys, boto3, botocore.exceptions
try:
    print(boto3.client("sts", endpoint_url=sys.argv[1]).get_caller_identity()["Account"])
except botocore.exceptions.SSLError as error:
    print(error)
`;

let upstream: FakeAws;
let proxy: ProxyRun;
let caFile: string;
let caPem: string;
/** HTTPS servers on 127.0.0.1 presenting a certificate signed with the proxy's ca.key, by host name. */
const impostors = new Map<string, Server>();
/** A CONNECT proxy that sends each tunnel to the impostor for its host: how the SDKs reach a name without DNS. */
let forwarder: ReturnType<typeof createTcpServer>;
let forwarderUrl: string;

const portOf = (server: { address(): unknown }) => (server.address() as AddressInfo).port;

beforeAll(async () => {
  upstream = await startFakeAws({ credentials: REAL, dir: mkdtempSync(join(tmpdir(), 'iap-upstream-')) });
  proxy = await startProxy({ upstream });
  caFile = join(proxy.stateDir, 'ca.pem');
  caPem = readFileSync(caFile, 'utf8');
  const stolen = { caPem, caKeyPem: readFileSync(join(proxy.stateDir, 'ca.key'), 'utf8') };
  const identity = `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>arn:aws:iam::${IMPOSTOR_ACCOUNT}:user/impostor</Arn><UserId>AIDAIMPOSTOR</UserId><Account>${IMPOSTOR_ACCOUNT}</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>0</RequestId></ResponseMetadata></GetCallerIdentityResponse>`;
  for (const host of [AWS_HOST, FOREIGN_HOST]) {
    const { certPem, keyPem } = issueServerCertificate(stolen, host, [host]);
    const server = createHttpsServer({ key: keyPem, cert: certPem }, (req, res) => req.resume().on('end', () => res.writeHead(200, { 'content-type': 'text/xml' }).end(identity)));
    await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
    impostors.set(host, server);
  }
  forwarder = createTcpServer((client) => {
    let head = '';
    client.on('data', function onData(chunk) {
      head += chunk.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      client.off('data', onData);
      const target = impostors.get(/^CONNECT ([^:\s]+):\d+ /.exec(head)?.[1] ?? '');
      if (!target) return void client.end('HTTP/1.1 502 Bad Gateway\r\n\r\n');
      const tunnel = tcpConnect(portOf(target), '127.0.0.1', () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        tunnel.pipe(client).on('error', () => client.destroy());
        client.pipe(tunnel).on('error', () => tunnel.destroy());
      });
    });
  });
  await new Promise<void>((listening) => forwarder.listen(0, '127.0.0.1', listening));
  forwarderUrl = `http://127.0.0.1:${portOf(forwarder)}`;
});
afterAll(async () => {
  forwarder?.close();
  for (const server of impostors.values()) {
    server.closeAllConnections();
    server.close();
  }
  await proxy?.stop();
  await upstream?.close();
});

describe('the CA the proxy makes', () => {
  it('carries critical name constraints for the AWS suffixes and excludes every IP', async () => {
    const text = (await run('openssl', ['x509', '-noout', '-text', '-in', caFile], cleanEnv(proxy.home))).stdout;
    expect(text).toMatch(/X509v3 Name Constraints: critical\n\s+Permitted:\n\s+DNS:amazonaws\.com\n/);
    expect(text).toMatch(/Excluded:\n\s+IP:0\.0\.0\.0\/0\.0\.0\.0\n\s+IP:0:0:0:0:0:0:0:0\/0:0:0:0:0:0:0:0\n/);
  });
});

describe('every client still accepts the proxy through HTTPS_PROXY with its constrained CA', () => {
  it('AWS CLI v2', async () => {
    const result = await run(AWS_CLI, ['sts', 'get-caller-identity', '--output', 'json'], proxy.agentEnv);
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout).Account).toBe(upstream.accountId);
  });

  it('boto3', async () => {
    const result = await run(PYTHON, [join(REPO, 'tests-integration/clients/boto3_client.py'), 'identity'], proxy.agentEnv);
    expect(JSON.parse(result.stdout)).toEqual({ account: upstream.accountId });
  });

  it('AWS SDK for JavaScript v3', async () => {
    const result = await run(process.execPath, [join(REPO, 'tests-integration/clients/js-sdk-client.mjs'), 'identity'], proxy.agentEnv);
    expect(JSON.parse(result.stdout)).toEqual({ account: upstream.accountId });
  });

  it('curl', async () => {
    const url = `https://${AWS_HOST}/?Action=GetCallerIdentity&Version=2011-06-15`;
    const result = await run('curl', ['-sS', '-o', '/dev/null', '-w', '%{ssl_verify_result} %{http_code}', '--proxy', proxy.url, '--cacert', caFile, url], proxy.agentEnv);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/^0 [1-5]\d\d$/); // verified; the proxy answers the unsigned call as it sees fit
  });
});

describe('with a stolen ca.key: an AWS name is still accepted, any other name is refused', () => {
  const expectations = [
    [AWS_HOST, 'accepts'],
    [FOREIGN_HOST, 'refuses'],
  ] as const;

  for (const [host, verdict] of expectations) {
    it(`curl ${verdict} a certificate for ${host}`, async () => {
      const port = portOf(impostors.get(host)!);
      const args = ['-sS', '--noproxy', '*', '--resolve', `${host}:${port}:127.0.0.1`, '--cacert', caFile, `https://${host}:${port}/`];
      const result = await run('curl', args, cleanEnv(proxy.home));
      if (verdict === 'accepts') expect(result.stdout).toContain(`<Account>${IMPOSTOR_ACCOUNT}</Account>`);
      else expect([result.code, result.stderr]).toEqual([60, expect.stringContaining('SSL certificate problem: permitted subtree violation')]);
    });

    it(`Python's ssl ${verdict} a certificate for ${host}`, async () => {
      const result = await run(PYTHON, ['-c', PYTHON_HANDSHAKE, host, String(portOf(impostors.get(host)!)), caFile], cleanEnv(proxy.home));
      expect(result.stdout.trim()).toBe(verdict === 'accepts' ? 'OK' : 'permitted subtree violation');
    });

    it(`Node's tls ${verdict} a certificate for ${host}`, async () => {
      const outcome = await new Promise<string>((done) => {
        const socket = tlsConnect({ host: '127.0.0.1', port: portOf(impostors.get(host)!), servername: host, ca: caPem }, () => done('OK'));
        socket.on('secureConnect', () => socket.end()).on('error', (error) => done(error.message));
      });
      expect(outcome).toBe(verdict === 'accepts' ? 'OK' : 'permitted subtree violation');
    });

    const sdkEnv = () => ({
      ...cleanEnv(proxy.home),
      AWS_ACCESS_KEY_ID: 'AKIAIMPOSTORTEST0001',
      AWS_SECRET_ACCESS_KEY: 'impostor/test/secret',
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_MAX_ATTEMPTS: '1',
      AWS_CA_BUNDLE: caFile,
      HTTPS_PROXY: forwarderUrl,
    });
    const sdkOutcome: unknown = verdict === 'accepts' ? IMPOSTOR_ACCOUNT : expect.stringContaining('permitted subtree violation');

    it(`the AWS CLI ${verdict} a certificate for ${host}`, async () => {
      const result = await run(AWS_CLI, ['sts', 'get-caller-identity', '--endpoint-url', `https://${host}`, '--output', 'text', '--query', 'Account'], sdkEnv());
      expect(verdict === 'accepts' ? result.stdout.trim() : result.stderr).toEqual(sdkOutcome);
    });

    it(`boto3 ${verdict} a certificate for ${host}`, async () => {
      const result = await run(PYTHON, ['-c', BOTO3_IDENTITY, `https://${host}`], sdkEnv());
      expect(result.stdout.trim()).toEqual(sdkOutcome);
    });

    it(`the JS SDK v3 ${verdict} a certificate for ${host}`, async () => {
      // In this process the SDK reaches the name through a resolver that answers 127.0.0.1.
      const lookup: LookupFunction = (_name, options, callback) => (options.all ? callback(null, [{ address: '127.0.0.1', family: 4 }]) : callback(null, '127.0.0.1', 4));
      const endpoint = `https://${host}:${portOf(impostors.get(host)!)}`;
      const requestHandler = new NodeHttpHandler({ httpsAgent: new Agent({ ca: caPem, lookup }) });
      const sts = new STSClient({ endpoint, region: 'us-east-1', maxAttempts: 1, credentials: { accessKeyId: 'AKIAIMPOSTORTEST0001', secretAccessKey: 'x' }, requestHandler });
      const outcome = await sts.send(new GetCallerIdentityCommand({})).then((identity) => identity.Account, (error: Error) => error.message);
      expect(outcome).toEqual(sdkOutcome);
    });
  }
});
