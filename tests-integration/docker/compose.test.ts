// Static checks of the docker/ sandbox's isolation (no Docker engine needed).
// Each check returns its violations; every check is run on the real files (must find none)
// and on deliberately broken copies (must find some), so none of them can pass vacuously.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { combinedCaBundlePath } from '../../src/tls/ca-bundle.js';
import { parseEgressAllowlist } from '../../src/pipeline/intercept/egress.js';

type Env = Record<string, unknown> | string[];
type Volume = string | { type?: string; source?: string; target?: string; read_only?: boolean; tmpfs?: { mode?: number } };
interface Service {
  environment?: Env;
  env_file?: unknown;
  networks?: string[] | Record<string, unknown>;
  network_mode?: string;
  volumes?: Volume[];
  volumes_from?: unknown;
  secrets?: unknown;
  user?: string;
  read_only?: boolean;
  tmpfs?: string | string[];
  cap_drop?: string[];
  cap_add?: string[];
  security_opt?: string[];
  privileged?: boolean;
}
interface Compose {
  services: Record<string, Service>;
  networks?: Record<string, { internal?: boolean } | null>;
  volumes?: Record<string, unknown>;
}
interface Sandbox {
  compose: Compose;
  /** compose.aws-credentials.yaml, the optional override that mounts host credentials. */
  override: Compose;
  dockerfile: string;
  /** egress-allowlist.example, mounted as the proxy's PROXY_EGRESS_ALLOWLIST unless EGRESS_ALLOWLIST_FILE says otherwise. */
  egressAllowlist: string;
}

const read = (name: string) => readFileSync(new URL(`../../docker/${name}`, import.meta.url), 'utf8');
const load = (): Sandbox => ({
  compose: parse(read('compose.yaml')) as Compose,
  override: parse(read('compose.aws-credentials.yaml')) as Compose,
  dockerfile: read('Dockerfile'),
  egressAllowlist: read('egress-allowlist.example'),
});

// Names the proxy documents, plus the standard AWS SDK/CLI ones.
const PROXY_ENV = new Set([
  'PROXY_HOST', 'PROXY_PORT', 'IAM_AGENT_PROXY_HOME', 'PROXY_SOCK_PATH', 'PROXY_KEYPAIR_TTL',
  'PROXY_KEY_TTL_MIN', 'PROXY_KEY_TTL_MAX', 'PROXY_AGENTS', 'PROXY_REFETCH_WARN', 'PROXY_CA_BUNDLE_PATH',
  'PROXY_MODE', 'ALLOWLIST_PATH', 'ACTION_LOG_PATH', 'AWS_CONFIG_FILE', 'AWS_PROFILE',
  'PROXY_EGRESS', 'PROXY_EGRESS_ALLOWLIST',
]);
const AWS_ENV = new Set([
  'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_REGION', 'AWS_DEFAULT_REGION',
  'AWS_SHARED_CREDENTIALS_FILE', 'AWS_ROLE_ARN', 'AWS_ROLE_SESSION_NAME', 'AWS_WEB_IDENTITY_TOKEN_FILE',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI', 'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  'AWS_CONTAINER_AUTHORIZATION_TOKEN', 'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE', 'AWS_EC2_METADATA_DISABLED',
  'AWS_STS_REGIONAL_ENDPOINTS', 'AWS_USE_FIPS_ENDPOINT', 'AWS_USE_DUALSTACK_ENDPOINT', 'AWS_MAX_ATTEMPTS',
  'AWS_RETRY_MODE', 'AWS_SDK_LOAD_CONFIG',
]);
const AWS_SECRET_ENV =
  /^AWS_(ACCESS_KEY_ID|SECRET_ACCESS_KEY|SESSION_TOKEN|SECURITY_TOKEN|SHARED_CREDENTIALS_FILE|WEB_IDENTITY_TOKEN_FILE|ROLE_ARN|CONTAINER_|BEARER_TOKEN)/;

function envOf(service: Service | undefined): Map<string, string | undefined> {
  const env = service?.environment ?? {};
  if (Array.isArray(env)) {
    return new Map(env.map((entry) => {
      const i = entry.indexOf('=');
      return i < 0 ? [entry, undefined] : [entry.slice(0, i), entry.slice(i + 1)];
    }));
  }
  return new Map(Object.entries(env).map(([k, v]) => [k, v == null ? undefined : String(v)]));
}

/** Without `networks` (and without network_mode) compose puts a service on the non-internal `default`. */
function networksOf(service: Service): string[] {
  const nets = service.networks;
  if (!nets) return ['default'];
  return Array.isArray(nets) ? nets : Object.keys(nets);
}

const isInternal = (c: Compose, net: string) => c.networks?.[net]?.internal === true;

function volumeSource(volume: Volume): string | undefined {
  if (typeof volume !== 'string') return volume.source;
  const parts = volume.split(':');
  return parts.length > 1 ? parts[0] : undefined; // a bare path is an anonymous volume
}

/** The named volume mounted at (or above) `path` in a service, and where. */
function mountOf(service: Service | undefined, path: string | undefined): { source: string; target: string } | undefined {
  for (const volume of service?.volumes ?? []) {
    const [source, target] = typeof volume === 'string' ? volume.split(':') : [volume.source, (volume as { target?: string }).target];
    if (source && target && path && (path === target || path.startsWith(`${target.replace(/\/$/, '')}/`))) return { source, target };
  }
  return undefined;
}

/** Where a mount is, whether it is writable, and its options (tmpfs `uid=1000,mode=0700`). */
interface Mount { kind: 'tmpfs' | 'volume'; target: string; writable: boolean; options: string }

function mountsOf(service: Service): Mount[] {
  const mounts: Mount[] = [];
  const tmpfs = service.tmpfs === undefined ? [] : Array.isArray(service.tmpfs) ? service.tmpfs : [service.tmpfs];
  for (const entry of tmpfs) {
    const i = entry.indexOf(':');
    mounts.push({ kind: 'tmpfs', target: i < 0 ? entry : entry.slice(0, i), writable: true, options: i < 0 ? '' : entry.slice(i + 1) });
  }
  for (const volume of service.volumes ?? []) {
    if (typeof volume === 'string') {
      const parts = volume.split(':');
      if (parts.length < 2) continue;
      mounts.push({ kind: 'volume', target: parts[1]!, writable: !(parts[2] ?? '').split(',').includes('ro'), options: parts[2] ?? '' });
    } else if (volume.target) {
      const kind = volume.type === 'tmpfs' ? 'tmpfs' : 'volume';
      const options = kind === 'tmpfs' && volume.tmpfs?.mode !== undefined ? `mode=${volume.tmpfs.mode.toString(8)}` : '';
      mounts.push({ kind, target: volume.target, writable: volume.read_only !== true, options });
    }
  }
  return mounts;
}

const under = (path: string, target: string) => path === target || path.startsWith(`${target.replace(/\/$/, '')}/`);

/** The innermost mount holding `path` (the one whose files a program there sees). */
function mountHolding(service: Service, path: string): Mount | undefined {
  return mountsOf(service).filter((m) => under(path, m.target)).sort((a, b) => b.target.length - a.target.length)[0];
}

/** The image's user is `node`, uid 1000, HOME /home/node (node:20-bookworm-slim). */
const IMAGE_UID = '1000';
const HOME = '/home/node';
/** What the programs write outside the volumes: Node, Python and the AWS CLI's caches. */
const SCRATCH_PATHS: Record<string, string[]> = {
  proxy: ['/tmp', HOME],
  agent: ['/tmp', HOME, `${HOME}/.aws/cli/cache`, `${HOME}/.aws/sso/cache`, `${HOME}/.cache`],
};

/** Directories the proxy writes into (src/config.ts, src/cli/start.ts): state, sockets, CA copies, aws-config, the log. */
function proxyWriteDirs(compose: Compose): Array<[string, string]> {
  const env = envOf(compose.services.proxy);
  const home = env.get('IAM_AGENT_PROXY_HOME') ?? `${HOME}/.iam-agent-proxy`;
  const parent = (path: string) => path.slice(0, path.lastIndexOf('/')) || '/';
  const ca = env.get('PROXY_CA_BUNDLE_PATH') ?? `${home}/ca.pem`;
  return [
    ['IAM_AGENT_PROXY_HOME', home],
    ['PROXY_SOCK_PATH', parent(env.get('PROXY_SOCK_PATH') ?? `${home}/creds.sock`)],
    ['PROXY_CA_BUNDLE_PATH', parent(ca)],
    ['ca-bundle.pem', parent(combinedCaBundlePath(ca))],
    ['AWS_CONFIG_FILE', parent(env.get('AWS_CONFIG_FILE') ?? `${HOME}/.aws/config`)],
    ['ACTION_LOG_PATH', parent(env.get('ACTION_LOG_PATH') ?? `${home}/actions.log`)],
  ];
}

const isRootUser = (user: string) => /^(root|0)(:|$)/.test(user.trim());

/** The last USER of the last stage; a USER in an earlier (build) stage does not count. */
function finalStageUser(dockerfile: string): string | undefined {
  let user: string | undefined;
  for (const line of dockerfile.split('\n').map((l) => l.trim())) {
    if (/^FROM\s/i.test(line)) user = undefined;
    else if (/^USER\s/i.test(line)) user = line.replace(/^USER\s+/i, '');
  }
  return user;
}

/** What compose makes of `${NAME:-default}` when NAME is unset; a literal value as is. */
function composeDefault(value: string | undefined): string | undefined {
  const match = /^\$\{[A-Za-z_][A-Za-z0-9_]*(?::?-([^}]*))?\}$/.exec(value ?? '');
  return match ? match[1] : value;
}

function parseUrl(value: string | undefined): URL | undefined {
  try {
    return new URL(value ?? '');
  } catch {
    return undefined;
  }
}

type Check = { name: string; check: (s: Sandbox) => string[]; breaks: Record<string, (s: Sandbox) => void> };

const checks: Check[] = [
  {
    name: 'the sandbox network is internal',
    check: ({ compose }) => (isInternal(compose, 'sandbox') ? [] : ['networks.sandbox.internal is not true']),
    breaks: {
      'internal removed': (s) => delete s.compose.networks!.sandbox!.internal,
      'internal false': (s) => (s.compose.networks!.sandbox = { internal: false }),
    },
  },
  {
    name: 'the agent joins only internal networks',
    check: ({ compose }) => {
      const agent = compose.services.agent!;
      const bad = networksOf(agent).filter((n) => !isInternal(compose, n)).map((n) => `agent joins ${n}`);
      if (agent.network_mode) bad.push(`agent has network_mode ${agent.network_mode}`);
      return bad;
    },
    breaks: {
      'agent on egress': (s) => (s.compose.services.agent!.networks = ['sandbox', 'egress']),
      'agent on default': (s) => delete s.compose.services.agent!.networks,
      'agent network_mode host': (s) => (s.compose.services.agent!.network_mode = 'host'),
    },
  },
  {
    name: 'the agent gets no AWS secrets and no credentials mount',
    check: ({ compose, override }) => {
      const agent = compose.services.agent!;
      const bad = [...envOf(agent).keys()].filter((k) => AWS_SECRET_ENV.test(k)).map((k) => `agent env ${k}`);
      for (const key of ['env_file', 'secrets', 'volumes_from'] as const) {
        if (agent[key] !== undefined) bad.push(`agent has ${key}`);
      }
      for (const volume of agent.volumes ?? []) {
        const source = volumeSource(volume);
        // Only named volumes declared at top level: no bind mount of anything from the host.
        if (source !== undefined && !(source in (compose.volumes ?? {}))) bad.push(`agent mounts ${source}`);
        if (/aws|credential/i.test(JSON.stringify(volume))) bad.push(`agent mounts ${JSON.stringify(volume)}`);
      }
      const overridden = Object.keys(override.services).filter((name) => name !== 'proxy');
      return bad.concat(overridden.map((name) => `credentials override touches ${name}`));
    },
    breaks: {
      'secret env': (s) => (s.compose.services.agent!.environment = ['AWS_SECRET_ACCESS_KEY']),
      'credentials bind mount': (s) =>
        s.compose.services.agent!.volumes!.push('~/.aws/credentials:/home/node/.aws/credentials:ro'),
      'credentials file in a named volume': (s) =>
        s.compose.services.agent!.volumes!.push({ type: 'volume', source: 'sandbox', target: '/aws/credentials' } as Volume),
      'env_file': (s) => (s.compose.services.agent!.env_file = '.env'),
      'override mounts into agent': (s) =>
        (s.override.services.agent = { volumes: ['${HOME}/.aws/credentials:/run/aws/credentials:ro'] }),
    },
  },
  {
    name: "the agent's proxy settings point at the proxy service",
    check: ({ compose }) => {
      const env = envOf(compose.services.agent);
      const port = envOf(compose.services.proxy).get('PROXY_PORT') ?? '8080';
      const bad: string[] = [];
      for (const name of ['HTTPS_PROXY', 'HTTP_PROXY', 'https_proxy', 'http_proxy']) {
        const value = env.get(name);
        if (value === undefined && name === name.toLowerCase()) continue; // lower-case ones are optional
        const url = parseUrl(value);
        const ok = url && compose.services[url.hostname] && url.hostname === 'proxy' && url.port === port;
        if (!ok) bad.push(`${name}=${value}`);
      }
      for (const name of ['NO_PROXY', 'no_proxy']) if (env.get(name)) bad.push(`${name}=${env.get(name)}`);
      if (env.get('AWS_PROFILE') !== 'iam-agent-proxy') bad.push(`AWS_PROFILE=${env.get('AWS_PROFILE')}`);
      return bad;
    },
    breaks: {
      'HTTPS_PROXY elsewhere': (s) => (s.compose.services.agent!.environment = { ...envObj(s), HTTPS_PROXY: 'http://evil:8080' }),
      'HTTPS_PROXY missing': (s) => delete (s.compose.services.agent!.environment as Record<string, unknown>).HTTPS_PROXY,
      'wrong port': (s) => (s.compose.services.agent!.environment = { ...envObj(s), HTTP_PROXY: 'http://proxy:3128' }),
      'NO_PROXY bypass': (s) => (s.compose.services.agent!.environment = { ...envObj(s), NO_PROXY: '*' }),
    },
  },
  {
    name: 'the proxy joins a non-internal network and shares one with the agent',
    check: ({ compose }) => {
      const nets = networksOf(compose.services.proxy!);
      const bad = nets.some((n) => !isInternal(compose, n)) ? [] : ['proxy has no way out'];
      const shared = networksOf(compose.services.agent!).some((n) => nets.includes(n));
      return shared ? bad : [...bad, 'proxy shares no network with the agent'];
    },
    breaks: {
      'egress internal': (s) => (s.compose.networks!.egress = { internal: true }),
      'proxy off sandbox': (s) => (s.compose.services.proxy!.networks = ['egress']),
    },
  },
  {
    name: 'containers do not run as root',
    check: ({ compose, dockerfile }) => {
      const user = finalStageUser(dockerfile);
      const bad = user === undefined || isRootUser(user) ? [`final Dockerfile USER is ${user ?? 'unset (root)'}`] : [];
      // The tmpfs mounts are made for uid 1000 and HOME /home/node: the image's `node` user.
      if (user !== undefined && !isRootUser(user) && user !== 'node' && user !== IMAGE_UID) bad.push(`final Dockerfile USER is ${user}, not node (uid ${IMAGE_UID})`);
      for (const [name, service] of Object.entries(compose.services)) {
        if (service.user !== undefined && isRootUser(String(service.user))) bad.push(`${name} user ${service.user}`);
      }
      return bad;
    },
    breaks: {
      'no USER': (s) => (s.dockerfile = s.dockerfile.replace(/^USER .*$/gm, '')),
      'USER root last': (s) => (s.dockerfile += '\nUSER root\n'),
      'USER only in build stage': (s) => {
        s.dockerfile = s.dockerfile.replace(/^USER .*$/gm, '').replace(/^(FROM .* AS build)$/m, '$1\nUSER node');
      },
      'compose user 0': (s) => (s.compose.services.proxy!.user = '0:0'),
      'agent runs as root': (s) => (s.compose.services.agent!.user = 'root'),
      'USER another uid': (s) => (s.dockerfile = s.dockerfile.replace(/^USER .*$/m, 'USER 4242')),
    },
  },
  {
    name: 'both containers have a read-only root filesystem; the agent mounts the shared volume read-only',
    check: ({ compose }) => {
      const bad = Object.entries(compose.services).filter(([, s]) => s.read_only !== true).map(([name]) => `${name} read_only is not true`);
      for (const mount of mountsOf(compose.services.agent!)) {
        if (mount.kind === 'volume' && mount.writable) bad.push(`agent mounts ${mount.target} writable`);
      }
      return bad;
    },
    breaks: {
      'agent read_only removed': (s) => delete s.compose.services.agent!.read_only,
      'proxy read_only false': (s) => (s.compose.services.proxy!.read_only = false),
      'agent mounts sandbox writable': (s) => (s.compose.services.agent!.volumes = ['sandbox:/sandbox']),
    },
  },
  {
    name: 'every path the programs write to is a tmpfs or a writable volume, and tmpfs hides no volume',
    check: ({ compose }) => {
      const bad: string[] = [];
      for (const [name, paths] of Object.entries(SCRATCH_PATHS)) {
        const service = compose.services[name]!;
        for (const path of paths) {
          const mount = mountHolding(service, path);
          if (!mount || !mount.writable) bad.push(`${name}: ${path} is on the read-only root`);
          else if (mount.kind !== 'tmpfs') bad.push(`${name}: ${path} is on volume ${mount.target}, not tmpfs`);
          // A tmpfs is root's 0755 unless told otherwise (Docker makes /tmp 1777): uid 1000 could not write there.
          else if (mount.target !== '/tmp' && !/(^|,)uid=1000(,|$)/.test(mount.options) && !/(^|,)mode=1?777(,|$)/.test(mount.options)) {
            bad.push(`${name}: tmpfs ${mount.target} is not writable by uid ${IMAGE_UID} (${mount.options || 'no options'})`);
          }
        }
        for (const mount of mountsOf(service).filter((m) => m.kind === 'tmpfs')) {
          for (const volume of mountsOf(service).filter((m) => m.kind === 'volume')) {
            if (under(volume.target, mount.target) || under(mount.target, volume.target)) bad.push(`${name}: tmpfs ${mount.target} overlaps volume ${volume.target}`);
          }
        }
      }
      for (const [what, dir] of proxyWriteDirs(compose)) {
        const mount = mountHolding(compose.services.proxy!, dir);
        if (!mount || !mount.writable) bad.push(`proxy writes ${what} in ${dir}, which is read-only`);
        else if (mount.kind === 'tmpfs') bad.push(`proxy writes ${what} in ${dir}, a tmpfs: lost on restart and unseen by the agent`);
      }
      return bad;
    },
    breaks: {
      'no tmpfs on the agent': (s) => delete s.compose.services.agent!.tmpfs,
      'agent has /tmp only': (s) => (s.compose.services.agent!.tmpfs = ['/tmp']),
      'proxy has HOME only': (s) => (s.compose.services.proxy!.tmpfs = [`${HOME}:uid=1000`]),
      'agent HOME tmpfs owned by root': (s) => (s.compose.services.agent!.tmpfs = ['/tmp', HOME]),
      'agent .aws read-only bind': (s) => s.compose.services.agent!.volumes!.push({ type: 'volume', source: 'sandbox', target: `${HOME}/.aws`, read_only: true }),
      'tmpfs over /sandbox': (s) => (s.compose.services.agent!.tmpfs = ['/tmp', `${HOME}:uid=1000`, '/sandbox']),
      'proxy mounts sandbox read-only': (s) =>
        (s.compose.services.proxy!.volumes = s.compose.services.proxy!.volumes!.map((v) => (v === 'sandbox:/sandbox' ? 'sandbox:/sandbox:ro' : v))),
      'state dir on the read-only root': (s) => (s.compose.services.proxy!.environment = { ...envObj(s, 'proxy'), IAM_AGENT_PROXY_HOME: '/var/lib/iap' }),
      'log on tmpfs': (s) => (s.compose.services.proxy!.environment = { ...envObj(s, 'proxy'), ACTION_LOG_PATH: '/tmp/actions.log' }),
    },
  },
  {
    name: 'all capabilities dropped, none added, no-new-privileges, not privileged',
    check: ({ compose }) => {
      const bad: string[] = [];
      for (const [name, service] of Object.entries(compose.services)) {
        if (!(service.cap_drop ?? []).some((c) => String(c).toUpperCase() === 'ALL')) bad.push(`${name} cap_drop lacks ALL`);
        if ((service.cap_add ?? []).length) bad.push(`${name} cap_add ${service.cap_add!.join(',')}`);
        if (service.privileged) bad.push(`${name} is privileged`);
        const opts = (service.security_opt ?? []).map(String);
        if (!opts.some((o) => /^no-new-privileges([:=]true)?$/.test(o))) bad.push(`${name} security_opt lacks no-new-privileges:true`);
        if (opts.some((o) => /^no-new-privileges[:=]false$/.test(o))) bad.push(`${name} security_opt has no-new-privileges:false`);
      }
      return bad;
    },
    breaks: {
      'agent cap_drop removed': (s) => delete s.compose.services.agent!.cap_drop,
      'proxy drops one capability only': (s) => (s.compose.services.proxy!.cap_drop = ['NET_RAW']),
      'agent cap_add NET_ADMIN': (s) => (s.compose.services.agent!.cap_add = ['NET_ADMIN']),
      'agent privileged': (s) => (s.compose.services.agent!.privileged = true),
      'proxy security_opt removed': (s) => delete s.compose.services.proxy!.security_opt,
      'agent no-new-privileges:false': (s) => (s.compose.services.agent!.security_opt = ['no-new-privileges:false']),
    },
  },
  {
    name: 'the proxy gets only documented or standard AWS env vars',
    check: ({ compose, override }) =>
      [compose, override].flatMap((c) =>
        [...envOf(c.services.proxy).keys()].filter((k) => !PROXY_ENV.has(k) && !AWS_ENV.has(k)),
      ),
    breaks: {
      'unknown name': (s) => (s.compose.services.proxy!.environment = { ...envObj(s, 'proxy'), PROXY_DEBUG: '1' }),
      'unknown name in override': (s) => (s.override.services.proxy!.environment = ['AWS_SECRET_KEY=x']),
    },
  },
  {
    name: "the agent never sees the proxy's state (ca.key, master.key, admin.sock, revocations, the log)",
    check: ({ compose }) => {
      const proxy = compose.services.proxy!;
      const env = envOf(proxy);
      const shared = new Set((compose.services.agent!.volumes ?? []).map(volumeSource).filter((v): v is string => v !== undefined));
      const bad: string[] = [];
      const home = env.get('IAM_AGENT_PROXY_HOME') ?? '/home/node/.iam-agent-proxy';
      for (const [name, path] of [['IAM_AGENT_PROXY_HOME', home], ['ACTION_LOG_PATH', env.get('ACTION_LOG_PATH') ?? `${home}/actions.log`]] as const) {
        const mount = mountOf(proxy, path);
        if (!mount) bad.push(`${name} ${path} is on no volume: the state is lost with the container`);
        else if (shared.has(mount.source)) bad.push(`${name} ${path} is in volume ${mount.source}, which the agent mounts`);
      }
      return bad;
    },
    breaks: {
      'state dir in the shared volume': (s) => (s.compose.services.proxy!.environment = { ...envObj(s, 'proxy'), IAM_AGENT_PROXY_HOME: '/sandbox' }),
      'agent mounts the state volume': (s) => s.compose.services.agent!.volumes!.push('state:/state:ro'),
      'state dir unset (tmpfs home)': (s) => delete (s.compose.services.proxy!.environment as Record<string, unknown>).IAM_AGENT_PROXY_HOME,
      'log in the shared volume': (s) => (s.compose.services.proxy!.environment = { ...envObj(s, 'proxy'), ACTION_LOG_PATH: '/sandbox/actions.log' }),
    },
  },
  {
    name: 'the agent sees its socket, ca.pem and aws-config where the proxy puts them',
    check: ({ compose }) => {
      const proxy = envOf(compose.services.proxy);
      const agent = envOf(compose.services.agent);
      const bad: string[] = [];
      const pairs: Array<[string, string | undefined, string | undefined]> = [
        ['socket', proxy.get('PROXY_SOCK_PATH'), agent.get('PROXY_SOCK_PATH')],
        ['aws-config', proxy.get('AWS_CONFIG_FILE'), agent.get('AWS_CONFIG_FILE')],
        ['ca.pem', proxy.get('PROXY_CA_BUNDLE_PATH'), agent.get('AWS_CA_BUNDLE')],
        ['ca.pem (Node)', proxy.get('PROXY_CA_BUNDLE_PATH'), agent.get('NODE_EXTRA_CA_CERTS')],
      ];
      // Trust stores that replace the system's get ca-bundle.pem (system CAs + the proxy CA), as `iam-agent-proxy env` says.
      const proxyCa = proxy.get('PROXY_CA_BUNDLE_PATH');
      for (const name of ['SSL_CERT_FILE', 'REQUESTS_CA_BUNDLE', 'CURL_CA_BUNDLE']) {
        pairs.push([`ca-bundle.pem (${name})`, proxyCa && combinedCaBundlePath(proxyCa), agent.get(name)]);
      }
      for (const [what, proxyPath, agentPath] of pairs) {
        const proxyMount = mountOf(compose.services.proxy, proxyPath);
        const agentMount = mountOf(compose.services.agent, agentPath);
        if (!proxyPath || proxyPath !== agentPath || !proxyMount || proxyMount.source !== agentMount?.source || proxyMount.target !== agentMount.target) {
          bad.push(`${what}: proxy writes ${proxyPath}, agent reads ${agentPath}`);
        }
      }
      return bad;
    },
    breaks: {
      'CA copy not made': (s) => delete (s.compose.services.proxy!.environment as Record<string, unknown>).PROXY_CA_BUNDLE_PATH,
      'socket in the state dir': (s) => delete (s.compose.services.proxy!.environment as Record<string, unknown>).PROXY_SOCK_PATH,
      'agent looks elsewhere': (s) => (s.compose.services.agent!.environment = { ...envObj(s), AWS_CA_BUNDLE: '/tmp/ca.pem' }),
      'SSL_CERT_FILE is the proxy CA alone': (s) => (s.compose.services.agent!.environment = { ...envObj(s), SSL_CERT_FILE: '/sandbox/ca.pem' }),
      'CURL_CA_BUNDLE missing': (s) => delete (s.compose.services.agent!.environment as Record<string, unknown>).CURL_CA_BUNDLE,
    },
  },
  {
    name: 'the proxy refuses non-AWS egress by default (deny, or an allowlist that parses)',
    check: ({ compose, egressAllowlist }) => {
      const proxy = compose.services.proxy!;
      const env = envOf(proxy);
      const mode = composeDefault(env.get('PROXY_EGRESS'));
      const bad: string[] = [];
      if (mode !== 'deny' && mode !== 'allowlist') bad.push(`PROXY_EGRESS defaults to ${mode ?? 'unset (allow-all)'}`);
      const listPath = env.get('PROXY_EGRESS_ALLOWLIST');
      if (listPath !== undefined || mode === 'allowlist') {
        // Mounted read-only from docker/, so the agent cannot widen it; the default file must parse.
        const mount = (proxy.volumes ?? []).find((v): v is string => typeof v === 'string' && (v.endsWith(`:${listPath}`) || v.includes(`:${listPath}:`)));
        const source = mount ? composeDefault(mount.slice(0, mount.lastIndexOf(':' + listPath))) : undefined;
        if (!mount || !mount.endsWith(':ro')) bad.push(`PROXY_EGRESS_ALLOWLIST ${listPath} is not a read-only mount`);
        else if (source !== './egress-allowlist.example') bad.push(`PROXY_EGRESS_ALLOWLIST defaults to ${source}, not ./egress-allowlist.example`);
        try {
          parseEgressAllowlist(egressAllowlist);
        } catch (error) {
          bad.push(`egress-allowlist.example ${(error as Error).message}`);
        }
      }
      return bad;
    },
    breaks: {
      'allow-all default': (s) => (s.compose.services.proxy!.environment = { ...envObj(s, 'proxy'), PROXY_EGRESS: '${PROXY_EGRESS:-allow-all}' }),
      'PROXY_EGRESS unset': (s) => delete (s.compose.services.proxy!.environment as Record<string, unknown>).PROXY_EGRESS,
      'allowlist not mounted': (s) => (s.compose.services.proxy!.volumes = s.compose.services.proxy!.volumes!.filter((v) => !String(v).includes('egress'))),
      'allowlist mounted writable': (s) => (s.compose.services.proxy!.volumes = s.compose.services.proxy!.volumes!.map((v) => (String(v).includes('egress') ? String(v).replace(/:ro$/, '') : v))),
      'example file malformed': (s) => (s.egressAllowlist += '\nhttp://example.com/\n'),
      'example file lists metadata': (s) => (s.egressAllowlist += '\n169.254.169.254\n'),
    },
  },
];

function envObj(s: Sandbox, service = 'agent'): Record<string, unknown> {
  return Object.fromEntries(envOf(s.compose.services[service]));
}

describe('docker compose sandbox isolation', () => {
  it('has both services', () => {
    expect(Object.keys(load().compose.services).sort()).toEqual(['agent', 'proxy']);
  });

  for (const { name, check, breaks } of checks) {
    describe(name, () => {
      it('holds for docker/', () => {
        expect(check(load())).toEqual([]);
      });
      it.each(Object.entries(breaks))('is caught when broken: %s', (_, breakIt) => {
        const broken = load();
        breakIt(broken);
        expect(check(broken)).not.toEqual([]);
      });
    });
  }
});
