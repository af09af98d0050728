import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openAdmin } from '../admin/open-admin.js';
import { loadConfig, type Config } from '../config.js';
import { openChannels } from '../keys/channels.js';
import { serveContainerCredentials } from '../keys/container-endpoint.js';
import { openKeyStore } from '../keys/open-key-store.js';
import { agentOfProxyAuthorization } from '../keys/proxy-identity.js';
import { createDecider } from '../pipeline/decide/decide.js';
import { handleAwsRequest } from '../pipeline/handle-request.js';
import { describeEgress, egressRecord } from '../pipeline/intercept/egress.js';
import { Drain } from '../pipeline/intercept/drain.js';
import { startInterceptor, type Interceptor } from '../pipeline/intercept/mitm-server.js';
import { consoleLines, type ActionRecord } from '../pipeline/log/action-log.js';
import { openActionLog } from '../pipeline/log/log-writer.js';
import { recordObserver } from '../pipeline/observer.js';
import { discoverIdentity } from '../pipeline/resign/account.js';
import type { RealIdentity } from '../pipeline/decide/global-context.js';
import { standardCredentialSource } from '../pipeline/resign/upstream-credentials.js';
import { IamReference } from '../pipeline/resolve/authorize/iam-reference.js';
import { EndpointMatcher } from '../pipeline/resolve/endpoint/match-endpoint.js';
import { PolicyStore } from '../policy/store/policy-store.js';
import { reloadOnSignalAndChange } from '../policy/store/watch.js';
import { defaultCatalog } from '../services/catalog.js';
import { installProfile } from '../state/aws-config-file.js';
import { ensurePrivateDir, writeFileAtomic } from '../state/files.js';
import { writeCombinedCaBundle } from '../tls/ca-bundle.js';
import { proxyVersion } from '../version.js';
import { openGrants } from '../grants/open-grants.js';
import { loadGrantSettings } from '../grants/grant-settings.js';
import { policiesWithGrants } from '../grants/grant-policy.js';
import { grantConsoleLine, type GrantRecord } from '../pipeline/log/grant-record.js';
import { parseOptions, UsageError } from './args.js';
import { loadOrCreateCa } from '../tls/certificate-authority.js';
import { generateLeafKeyPair, LeafCertificates } from '../tls/leaf-certificates.js';
import { premintHosts } from '../tls/premint.js';

const PROXY_CREDS_BIN = fileURLToPath(new URL('../../bin/proxy-creds', import.meta.url));

export interface StartOptions {
  /** stdout: console lines (text), or each record as its JSON line (json). */
  logFormat: 'text' | 'json';
}

export function startOptionsFrom(args: string[]): StartOptions {
  const format = parseOptions(args, { 'log-format': 'value' })['log-format'] ?? 'text';
  if (format !== 'text' && format !== 'json') throw new UsageError(`--log-format takes text or json, not "${format}"`);
  return { logFormat: format };
}

/** Runs the proxy in the foreground until SIGINT/SIGTERM; every step undone on the way out. */
export async function start(env: NodeJS.ProcessEnv, options: StartOptions = { logFormat: 'text' }): Promise<void> {
  const config = loadConfig(env);
  const grantSettings = loadGrantSettings(config.grantRulesPath, config.askTimeoutMs);
  const notice = (message: string) => process.stderr.write(`iam-agent-proxy: ${message}\n`);
  // Refuses to start on any invalid policy; prints the condition keys it cannot supply.
  const policies = await PolicyStore.open(config, notice);
  ensurePrivateDir(config.stateDir);
  const ca = loadOrCreateCa(config.stateDir);
  if (ca.warning) process.stderr.write(`iam-agent-proxy: warning: ${ca.warning}\n`);
  const leafKey = generateLeafKeyPair();
  const cleanups: Array<() => unknown> = [];
  // Each cleanup runs once, whichever way the proxy stops (a second signal while draining included).
  const stop = async (code: number): Promise<never> => {
    for (const cleanup of cleanups.splice(0).reverse()) {
      try {
        await cleanup();
      } catch (error) {
        process.stderr.write(`iam-agent-proxy: cleanup failed: ${(error as Error).message}\n`);
      }
    }
    process.exit(code);
  };
  const drain = new Drain();
  let interceptor: Interceptor | undefined;
  const stopBySignal = (signal: string) => {
    if (drain.draining) {
      process.stderr.write(`iam-agent-proxy: ${signal} again: stopping now, ${drain.inFlight} request(s) cut off; [profile iam-agent-proxy] is taken out of ${config.awsConfigPath}\n`);
      return void stop(0);
    }
    const waiting = drain.inFlight ? `, letting ${drain.inFlight} request(s) under way finish (up to ${config.drainMs / 1000} s; ${signal} again to stop now)` : '';
    process.stderr.write(`iam-agent-proxy: ${signal}: stopping${waiting}; [profile iam-agent-proxy] is taken out of ${config.awsConfigPath}\n`);
    interceptor?.stopAccepting();
    void drain.start(config.drainMs).then(() => stop(0));
  };
  process.on('SIGINT', () => stopBySignal('SIGINT'));
  process.on('SIGTERM', () => stopBySignal('SIGTERM'));

  try {
    const { keys, agents, master } = openKeyStore({ ...config, warn: (message) => notice(`warning: ${message}`) });
    const log = openActionLog({ path: config.actionLogPath, maxBytes: config.actionLogMaxBytes, instance: randomUUID(), version: proxyVersion(), notice });
    let served = false;
    cleanups.push(() => log.close({ printHead: served }));
    let identity: RealIdentity | undefined;
    const grants = openGrants(config, grantSettings, policies, { identity: () => identity, log, show: (record, line) => showGrant(record, line), notice });
    cleanups.push(await openChannels(config, { keys, agents, notice, grants: { access: grants.access, decisions: grants.store } }));
    let credentialsPort: number | undefined;
    if (config.credentialsPort !== undefined) {
      const endpoint = await serveContainerCredentials({ port: config.credentialsPort, mode: config.mode, master, stateDir: config.stateDir }, { keys, agents, notice });
      cleanups.push(() => endpoint.close());
      credentialsPort = endpoint.port;
    }
    const admin = config.adminPort === undefined ? undefined : await openAdmin({ port: config.adminPort, mode: config.mode }, { liveKeys: () => keys.liveKeys(), isDeclared: (agent) => agents.isDeclared(agent) }, { decisions: grants.store });
    if (admin) cleanups.push(() => admin.close());
    const observe = recordObserver(admin?.observer, notice);
    // Every record, AWS calls and refused egress alike, is written, then counted and shown here.
    const show = (record: ActionRecord, line: string | undefined) => {
      observe(record);
      const lines = options.logFormat === 'json' ? [line ?? JSON.stringify(record)] : consoleLines(record, new Date(record.time));
      for (const text of lines) process.stdout.write(`${text}\n`);
    };
    // Grant changes are written to the same chain as the calls.
    function showGrant(record: GrantRecord, line: string | undefined): void {
      process.stdout.write(`${options.logFormat === 'json' ? (line ?? JSON.stringify(record)) : grantConsoleLine(record, new Date(record.time))}\n`);
    }
    const upstreamCredentials = standardCredentialSource(env.AWS_PROFILE);
    const credentials = admin ? admin.watchCredentials(upstreamCredentials) : upstreamCredentials;
    if (policies.reloadable) cleanups.push(reloadOnSignalAndChange(policies, { notice }));
    const decide = createDecider(policiesWithGrants(policies, grants.store), { identity: () => identity, grants: grants.access });
    const catalog = defaultCatalog();
    const resolve = { catalog, endpoints: new EndpointMatcher(catalog), reference: new IamReference() };
    let unresolved = 0;
    cleanups.push(() => {
      if (unresolved) process.stderr.write(`iam-agent-proxy: ${unresolved} request(s) needed an action AWS does not define (UNRESOLVED in ${config.actionLogPath}); enforce mode denies them\n`);
    });
    let accountId: string | undefined;
    // Ready before the port opens: whoever sees the port listening can use the profile at once.
    if (config.caBundlePath !== ca.certPath) writeFileAtomic(config.caBundlePath, ca.certPem, 0o644); // where agents can read it
    writeCombinedCaBundle(config.caBundlePath, ca.certPem, env); // system CAs + ours, for SSL_CERT_FILE and the like (iam-agent-proxy env)
    cleanups.push(installProfile(config.awsConfigPath, { credentialProcess: PROXY_CREDS_BIN, caBundle: config.caBundlePath }));
    const proxy = await startInterceptor({
      host: config.host,
      port: config.port,
      stateDir: config.stateDir,
      ca,
      leaves: new LeafCertificates(ca, Date.now, undefined, await leafKey),
      premint: { hosts: premintHosts(env), warm: (host) => void resolve.endpoints.match(host) },
      warn: notice,
      egress: config.egress,
      otherOwnPorts: [credentialsPort, admin?.port].filter((port) => port !== undefined),
      agentOf: (proxyAuthorization) => agentOfProxyAuthorization(proxyAuthorization, master),
      onEgressRefused: (refusal) => {
        const record = egressRecord(refusal, new Date());
        show(record, log.write(record));
      },
      onAwsRequest: (req, res, connectHost) =>
        drain.track(res, () => handleAwsRequest(req, res, connectHost, {
          keys,
          credentials,
          decide,
          resolve,
          log,
          observer: admin?.observer,
          upstreamEndpoint: config.upstreamEndpoint,
          upstreamTimeouts: config.upstreamTimeouts,
          accountId: () => accountId,
          show,
          onUnresolved: () => void unresolved++,
        })),
    });
    interceptor = proxy;
    cleanups.push(() => proxy.close());
    served = true;
    printBanner(config, proxy.port, policies.describe(), credentialsPort, admin?.port, admin?.approvalsUrl);
    discoverIdentity(credentials, config.upstreamEndpoint).then(
      (found) => ((identity = found), (accountId = found.account)),
      (error: Error) => process.stderr.write(`iam-agent-proxy: warning: ${error.message}\n`),
    );
  } catch (error) {
    process.stderr.write(`iam-agent-proxy: ${(error as Error).message}\n`);
    await stop(1);
  }
}

function printBanner(config: Config, port: number, policies: string, credentialsPort: number | undefined, adminPort?: number, approvalsUrl?: string): void {
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  process.stderr.write(
    [
      `iam-agent-proxy listening on ${url} (${policies})`,
      `  actions are logged to ${config.actionLogPath}${config.actionLogMaxBytes === undefined ? '' : ` (rotated at ${config.actionLogMaxBytes} bytes)`}`,
      `  agent keys: default on ${config.socketPath}${config.agents.map((agent) => `, ${agent.name} on ${join(config.agentSocketDir, `${agent.name}.sock`)}`).join('')}`,
      `  revoke, keys, grants, approve and deny use ${config.adminSocketPath}`,
      `  non-AWS egress: ${describeEgress(config.egress)}`,
      ...(credentialsPort === undefined ? [] : [`  container credentials: http://127.0.0.1:${credentialsPort}/agents/<agent> (AWS_CONTAINER_CREDENTIALS_FULL_URI, with the agent's AWS_CONTAINER_AUTHORIZATION_TOKEN)`]),
      ...(adminPort === undefined ? [] : [`  metrics: http://127.0.0.1:${adminPort}/metrics and /healthz (loopback only)`]),
      ...(approvalsUrl === undefined ? [] : [`  approvals: ${approvalsUrl}`]),
      `  in the agent's shell: eval "$(iam-agent-proxy env)" (or export AWS_PROFILE=iam-agent-proxy HTTPS_PROXY=${url})`,
      '',
    ].join('\n'),
  );
}

