import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { UsageError } from '../../src/cli/args.js';
import { envCommand, formatEnvironment, parseShell } from '../../src/cli/env.js';
import { proxyPassword } from '../../src/keys/proxy-identity.js';
import { main } from '../../src/cli/main.js';

const HOSTILE = [
  `/home/o'brien/ca.pem`,
  `it's "quoted" and $HOME \`cmd\` \\back\\slash\\`,
  `two\nlines`,
  `‘curly’ ' quotes’`,
  `#not a comment; & | > < * ? [x] {a,b} ~`,
  `ünïcode ✓ 🔑`,
  '',
];
const SHELL_ARGS: Record<string, string[]> = { bash: ['--norc', '--noprofile', '-c'], dash: ['-c'] };
const vars = HOSTILE.map((value, i) => ({ name: `IAP_TEST_${i}`, value }));

/** What a shell sees after reading `script`: each variable as JSON, via node. */
function readBack(shell: string, args: string[], script: string): Record<string, string> {
  const printer = `${process.execPath} -e 'console.log(JSON.stringify(Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith("IAP_TEST_")))))'`;
  const result = spawnSync(shell, [...args, `${script}\n${printer}`], { encoding: 'utf8', env: { PATH: process.env.PATH } });
  expect(result.stderr).toBe('');
  return JSON.parse(result.stdout) as Record<string, string>;
}
const expected = Object.fromEntries(vars.map((v) => [v.name, v.value]));

describe('formatEnvironment', () => {
  it('sh: export with single quotes, a quote written as \'\\\'\'', () => {
    expect(formatEnvironment([{ name: 'K', value: "a'b" }], 'sh')).toBe(`export K='a'\\''b'\n`);
  });

  it.each([['bash'], ['dash']].filter(([shell]) => existsSync(`/bin/${shell}`)))('sh output read back by %s gives every value intact', (shell) => {
    expect(readBack(`/bin/${shell}`, SHELL_ARGS[shell]!, formatEnvironment(vars, 'sh'))).toStrictEqual(expected);
  });

  it('fish: set -gx with \\ and \' escaped', () => {
    expect(formatEnvironment([{ name: 'K', value: "a'b\\c" }], 'fish')).toBe(`set -gx K 'a\\'b\\\\c'\n`);
  });

  const fish = ['/usr/bin/fish', '/usr/local/bin/fish'].find((path) => existsSync(path));
  it.runIf(fish)('fish output read back by fish gives every value intact', () => {
    expect(readBack(fish!, ['-c'], formatEnvironment(vars, 'fish'))).toStrictEqual(expected);
  });

  it('powershell: $env: with quotes doubled, the typographic ones too', () => {
    expect(formatEnvironment([{ name: 'K', value: "a'b‘c’d" }], 'powershell')).toBe(`$env:K = 'a''b‘‘c’’d'\n`);
  });

  const pwsh = ['/usr/bin/pwsh', '/usr/local/bin/pwsh', '/opt/microsoft/powershell/7/pwsh'].find((path) => existsSync(path));
  it.runIf(pwsh)('powershell output read back by pwsh gives every value intact', () => {
    const script = formatEnvironment(vars.filter((v) => v.value !== ''), 'powershell'); // PowerShell deletes a variable set to ''
    expect(readBack(pwsh!, ['-NoProfile', '-Command'], script)).toStrictEqual(Object.fromEntries(vars.filter((v) => v.value !== '').map((v) => [v.name, v.value])));
  });

  it('dotenv: bare when plain, single quotes when needed, double quotes for a lone single quote, else refused', () => {
    expect(formatEnvironment([{ name: 'K', value: 'http://127.0.0.1:8080' }], 'dotenv')).toBe('K=http://127.0.0.1:8080\n');
    expect(formatEnvironment([{ name: 'K', value: 'localhost,127.0.0.1,::1' }], 'dotenv')).toBe('K=localhost,127.0.0.1,::1\n');
    expect(formatEnvironment([{ name: 'K', value: '/my dir/#x $y' }], 'dotenv')).toBe(`K='/my dir/#x $y'\n`);
    expect(formatEnvironment([{ name: 'K', value: "/home/o'brien/ca.pem" }], 'dotenv')).toBe(`K="/home/o'brien/ca.pem"\n`);
    expect(formatEnvironment([{ name: 'K', value: '' }], 'dotenv')).toBe('K=\n');
    for (const value of [`it's $HOME`, `a'b\\c`, `two\nlines`, `o'"`, '/a/${HOME}/b']) {
      expect(() => formatEnvironment([{ name: 'K', value }], 'dotenv')).toThrow(UsageError);
    }
  });

  // python-dotenv is one of the readers the convention is for; check against it where it is installed.
  const python = [process.env.PATH?.split(':').map((dir) => join(dir, 'python3')), '/usr/bin/python3'].flat().filter((p): p is string => !!p && existsSync(p))
    .find((p) => spawnSync(p, ['-c', 'import dotenv']).status === 0);
  it.runIf(python)('dotenv output read back by python-dotenv gives the values intact', () => {
    const readable = [...vars, { name: 'IAP_TEST_HASH', value: '/a b/#c $HOME $(id) "x"' }].filter((v) => {
      try {
        formatEnvironment([v], 'dotenv');
        return true;
      } catch {
        return false;
      }
    });
    expect(readable.length).toBeGreaterThanOrEqual(4);
    const dir = mkdtempSync(join(tmpdir(), 'dotenv-'));
    try {
      writeFileSync(join(dir, '.env'), formatEnvironment(readable, 'dotenv'));
      const result = spawnSync(python!, ['-c', 'import json,sys,dotenv; print(json.dumps(dotenv.dotenv_values(sys.argv[1])))', join(dir, '.env')], { encoding: 'utf8' });
      expect(JSON.parse(result.stdout)).toStrictEqual(Object.fromEntries(readable.map((v) => [v.name, v.value])));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('parseShell', () => {
  it('defaults to sh and names the choices for anything else', () => {
    expect(parseShell(undefined)).toBe('sh');
    expect(parseShell('fish')).toBe('fish');
    expect(() => parseShell('zsh')).toThrow('--shell must be one of sh, fish, powershell, dotenv, not "zsh"');
  });
});

describe('iam-agent-proxy env', () => {
  let home: string;
  let server: Server | undefined;
  beforeEach(() => void (home = mkdtempSync(join(tmpdir(), 'env-cmd-'))));
  afterEach(async () => {
    await new Promise((done) => (server ? server.close(done) : done(undefined)));
    server = undefined;
    rmSync(home, { recursive: true, force: true });
  });

  it('prints the variables and warns on stderr when no proxy answers', async () => {
    const warnings: string[] = [];
    const text = await envCommand(['--agent', 'claude'], { HOME: home, PROXY_PORT: '9123' }, (m) => warnings.push(m));
    // The URL names the agent with the password the proxy derives from master.key (made here on first use).
    const password = proxyPassword(readFileSync(join(home, '.iam-agent-proxy', 'master.key')), 'claude');
    expect(text).toContain(`export HTTPS_PROXY='http://claude:${password}@127.0.0.1:9123'\n`);
    expect(text).toContain(`export PROXY_AGENT_NAME='claude'\n`);
    expect(text).toContain(`export SSL_CERT_FILE='${home}/.iam-agent-proxy/ca-bundle.pem'\n`);
    expect(warnings).toStrictEqual([`warning: no proxy is answering on ${home}/.iam-agent-proxy/creds.sock now; these settings work once iam-agent-proxy runs with this same configuration`]);
  });

  it('does not warn when something answers on the agent’s socket and the bundle exists', async () => {
    const state = join(home, 'state');
    const agentsDir = join(state, 'agents');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(agentsDir, { recursive: true });
    writeFileSync(join(state, 'ca-bundle.pem'), 'x');
    server = createServer((socket) => socket.end());
    await new Promise<void>((done) => server!.listen(join(agentsDir, 'ci.sock'), done));
    const warnings: string[] = [];
    const text = await envCommand(['--agent=ci', '--shell', 'dotenv'], { HOME: home, IAM_AGENT_PROXY_HOME: state, PROXY_AGENTS: 'ci' }, (m) => warnings.push(m));
    expect(warnings).toStrictEqual([]);
    expect(text).toContain(`IAM_AGENT_PROXY_HOME=${state}\n`);
    expect(text).toContain('PROXY_AGENT_NAME=ci\n');
  });

  it('works from an agent shell that already has AWS_PROFILE=iam-agent-proxy', async () => {
    const text = await envCommand(['--no-ca-bundle'], { HOME: home, AWS_PROFILE: 'iam-agent-proxy' }, () => {});
    expect(text).toContain(`export AWS_PROFILE='iam-agent-proxy-no-ca-bundle'\n`);
    expect(text).not.toContain('AWS_CA_BUNDLE');
  });

  describe('through main: bad input is one line on stderr and exit 2', () => {
    let stderr: string;
    let stdout: string;
    beforeEach(() => {
      stderr = '';
      stdout = '';
      vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((stderr += String(chunk)), true));
      vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((stdout += String(chunk)), true));
    });
    afterEach(() => vi.restoreAllMocks());

    it.each([
      [['--shell', 'tcsh'], 'iam-agent-proxy: --shell must be one of sh, fish, powershell, dotenv, not "tcsh"\n'],
      [['--bogus'], 'iam-agent-proxy: unexpected argument "--bogus"\n'],
      [['--agent'], 'iam-agent-proxy: --agent needs a value\n'],
      [['--agent', 'rogue'], 'iam-agent-proxy: agent "rogue" is not declared: in enforce mode only agents in PROXY_AGENTS (claude) and "default" get keys\n'],
    ])('%j', async (args, message) => {
      const code = await main(['env', ...args], { HOME: home, PROXY_MODE: 'enforce', ALLOWLIST_PATH: '/p.json', PROXY_AGENTS: 'claude' });
      expect(code).toBe(2);
      expect(stderr).toBe(message);
      expect(stdout).toBe('');
    });

    it('prints its usage with --help, saying it works without a running proxy', async () => {
      expect(await main(['env', '--help'], { HOME: home })).toBe(0);
      expect(stdout).toMatch(/^Usage: iam-agent-proxy env /);
      expect(stdout).toContain('works whether or not the proxy is running');
    });

    it('exit 0 with the variables on stdout and the warning on stderr', async () => {
      expect(await main(['env', '--shell', 'fish'], { HOME: home })).toBe(0);
      expect(stdout).toContain(`set -gx AWS_PROFILE 'iam-agent-proxy'\n`);
      expect(stderr).toMatch(/^iam-agent-proxy: warning: no proxy is answering/);
    });
  });
});
