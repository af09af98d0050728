import { describe, expect, it } from 'vitest';
import {
  decideEgress,
  egressRecord,
  EgressAllowlistError,
  matchRule,
  parseEgressAllowlist,
  type EgressPolicy,
} from '../../../src/pipeline/intercept/egress.js';
import { consoleLines } from '../../../src/pipeline/log/action-log.js';
import { recordsByRole } from '../../../src/policy/generate/log-records.js';

describe('parseEgressAllowlist', () => {
  it('reads hosts, wildcards, IP addresses, ports, comments and blank lines', () => {
    const rules = parseEgressAllowlist(
      [
        '# packages the agent may fetch',
        'registry.npmjs.org',
        '  *.pypi.org:443   # trailing comment',
        '',
        'GitHub.COM.',
        '10.0.0.5:5432',
        '[FD00::0:5]:8080',
        '[::1]',
        'fd00::7',
        'db.internal:5432',
      ].join('\n'),
    );
    expect(rules).toEqual([
      { host: 'registry.npmjs.org', wildcard: false, port: undefined, line: 2 },
      { host: 'pypi.org', wildcard: true, port: 443, line: 3 },
      { host: 'github.com', wildcard: false, port: undefined, line: 5 },
      { host: '10.0.0.5', wildcard: false, port: 5432, line: 6 },
      { host: 'fd00::5', wildcard: false, port: 8080, line: 7 },
      { host: '::1', wildcard: false, port: undefined, line: 8 },
      { host: 'fd00::7', wildcard: false, port: undefined, line: 9 },
      { host: 'db.internal', wildcard: false, port: 5432, line: 10 },
    ]);
  });

  it('accepts an empty file (then allowlist admits no non-AWS host)', () => {
    expect(parseEgressAllowlist('# nothing\n\n')).toEqual([]);
  });

  it.each([
    ['example.com 443', /line 1: "example.com 443": one entry a line/],
    ['example.com:0', /line 1: "example.com:0": "0" is not a port \(1-65535\)/],
    ['example.com:65536', /"65536" is not a port/],
    ['example.com:https', /"https" is not a port/],
    ['example.com:', /"" is not a port/],
    ['*', /only a leading "\*\." is allowed \(\*\.example\.com\); for every host use PROXY_EGRESS=allow-all/],
    ['*.com.*', /only a leading "\*\."/],
    ['foo.*.com', /only a leading "\*\."/],
    ['*.10.0.0.1', /a wildcard cannot precede an IP address/],
    ['http://example.com', /a host, not a URL or path/],
    ['exa mple.com', /one entry a line/],
    ['example..com', /expected a host/],
    ['-example.com', /expected a host/],
    ['example.com/path', /a host, not a URL or path/],

    ['[example.com]:443', /\[example.com\] is not an IPv6 address/],
    ['fd00::1:443:99999', /"99999" is not a port|IPv6/],
    ['1.2.3', /expected a host/],
    ['999.1.1.1', /expected a host/],
    ['169.254.169.254', /cloud metadata endpoints are always refused and cannot be allowed; remove this line/],
    ['metadata.google.internal:80', /cloud metadata endpoints are always refused/],
    ['[fd00:ec2::254]:80', /cloud metadata endpoints are always refused/],
  ])('refuses %j with a clear message', (line, message) => {
    expect(() => parseEgressAllowlist(`# first\n${line}`)).toThrow(EgressAllowlistError);
    expect(() => parseEgressAllowlist(`# first\n${line}`)).toThrow(/^line 2: /);
    expect(() => parseEgressAllowlist(line)).toThrow(message);
  });
});

describe('matchRule', () => {
  const rules = parseEgressAllowlist('example.com:443\n*.example.org\nexact.example.org:8443\n10.0.0.5\n[fd00::5]:80');
  it.each([
    ['example.com', 443, 1],
    ['EXAMPLE.com.', 443, 1],
    ['a.example.org', 1234, 2],
    ['a.b.example.org', 443, 2],
    ['exact.example.org', 8443, 3], // the exact entry wins over the wildcard
    ['exact.example.org', 443, 2],
    ['10.0.0.5', 22, 4],
    ['fd00:0::5', 80, 5],
  ])('%s:%d matches line %d', (host, port, line) => {
    expect(matchRule(rules, host, port)?.line).toBe(line);
  });
  it.each([
    ['example.com', 80],
    ['www.example.com', 443],
    ['example.org', 443], // *.example.org does not cover example.org itself
    ['badexample.org', 443],
    ['10.0.0.6', 22],
    ['fd00::5', 81],
  ])('%s:%d matches nothing', (host, port) => {
    expect(matchRule(rules, host, port)).toBeUndefined();
  });
});

describe('decideEgress', () => {
  const allowAll: EgressPolicy = { mode: 'allow-all', rules: [] };
  const deny: EgressPolicy = { mode: 'deny', rules: [] };
  const list: EgressPolicy = { mode: 'allowlist', rules: parseEgressAllowlist('example.com\n*.example.org:443\nlocalhost:8080\n127.0.0.1:9000\ndb.internal:5432\n[::1]:9001') };
  const reason = (decision: ReturnType<typeof decideEgress>) => (decision.allowed ? 'allowed' : decision.reason);

  it('allow-all admits hosts that resolve to public addresses only', () => {
    expect(decideEgress(allowAll, 'example.com', 443, ['93.184.216.34', '2606:2800:220:1::1'])).toEqual({ allowed: true });
    expect(decideEgress(allowAll, 'example.com', 443)).toEqual({ allowed: true }); // before the lookup
    const localHint = '(PROXY_EGRESS=allow-all admits public addresses; name the host in PROXY_EGRESS_ALLOWLIST to admit it)';
    expect(reason(decideEgress(allowAll, '127.0.0.1', 8080, ['127.0.0.1']))).toBe(`127.0.0.1, a loopback address ${localHint}`);
    expect(reason(decideEgress(allowAll, 'localhost', 22, ['::1']))).toBe(`localhost resolves to ::1, a loopback address ${localHint}`);
    expect(reason(decideEgress(allowAll, 'nas.lan', 443, ['192.168.1.10']))).toBe(`nas.lan resolves to 192.168.1.10, a private address ${localHint}`);
    expect(reason(decideEgress(allowAll, 'rebind.example', 443, ['93.184.216.34', '10.0.0.1']))).toMatch(/10\.0\.0\.1, a private address/);
    expect(reason(decideEgress(allowAll, '0.0.0.0', 80, ['0.0.0.0']))).toMatch(/a loopback address/);
    expect(reason(decideEgress(allowAll, 'x.example', 80, ['169.254.10.10']))).toBe(`x.example resolves to 169.254.10.10, a link-local address ${localHint}`);
    expect(reason(decideEgress(allowAll, 'x.example', 80, ['ff02::1']))).toMatch(/a reserved address/);
  });

  it('allow-all admits a local host only when an exact allowlist entry names it (a wildcard never does)', () => {
    const withLocal: EgressPolicy = { mode: 'allow-all', rules: parseEgressAllowlist('cache.lan:8080\n127.0.0.1:9000\n*.lan\n') };
    expect(decideEgress(withLocal, 'cache.lan', 8080, ['192.168.1.10'])).toEqual({ allowed: true });
    expect(decideEgress(withLocal, '127.0.0.1', 9000, ['127.0.0.1'])).toEqual({ allowed: true });
    expect(reason(decideEgress(withLocal, 'cache.lan', 8081, ['192.168.1.10']))).toMatch(/a private address/); // another port
    expect(reason(decideEgress(withLocal, 'nas.lan', 443, ['192.168.1.11']))).toMatch(/a private address/);
    expect(decideEgress(withLocal, 'example.com', 443, ['93.184.216.34'])).toEqual({ allowed: true }); // public: still any
  });

  it('allow-all still refuses metadata (by name, by address, by resolution)', () => {
    expect(reason(decideEgress(allowAll, 'metadata.google.internal', 80))).toBe('metadata.google.internal is a cloud metadata endpoint');
    expect(reason(decideEgress(allowAll, '169.254.169.254', 80))).toBe('169.254.169.254 is a cloud metadata endpoint');
    expect(reason(decideEgress(allowAll, 'fd00:ec2::254', 80))).toBe('fd00:ec2::254 is a cloud metadata endpoint');
    expect(reason(decideEgress(allowAll, 'innocent.example', 80, ['93.184.216.34', '169.254.169.254']))).toBe('innocent.example resolves to 169.254.169.254, a cloud metadata endpoint');
    expect(reason(decideEgress(allowAll, 'mapped.example', 80, ['::ffff:169.254.170.2']))).toMatch(/a cloud metadata endpoint/);
    expect(reason(decideEgress(allowAll, 'x.example', 80, []))).toBe('x.example resolves to no address');
  });

  it('every mode refuses the proxy own ports on loopback and on the machine addresses, even when listed', () => {
    const own = { ports: [8080, 8099], addresses: new Set(['172.18.0.2', 'fd12::2']) };
    const listed: EgressPolicy = { mode: 'allowlist', rules: parseEgressAllowlist('127.0.0.1\nproxy\nexample.com\n'), own };
    expect(reason(decideEgress(listed, '127.0.0.1', 8080, ['127.0.0.1']))).toBe("127.0.0.1 port 8080 is the proxy's own");
    expect(reason(decideEgress(listed, '127.0.0.1', 8099, ['127.0.0.1']))).toMatch(/the proxy's own/);
    expect(reason(decideEgress(listed, 'proxy', 8080, ['172.18.0.2']))).toBe("proxy resolves to 172.18.0.2 port 8080 is the proxy's own");
    expect(reason(decideEgress(listed, 'proxy', 8080, ['fd12:0:0::2']))).toMatch(/the proxy's own/);
    expect(decideEgress(listed, '127.0.0.1', 9000, ['127.0.0.1'])).toEqual({ allowed: true }); // another port
    expect(decideEgress(listed, 'example.com', 8080, ['93.184.216.34'])).toEqual({ allowed: true }); // another machine
    expect(reason(decideEgress({ mode: 'allow-all', rules: [], own }, 'localhost', 8080, ['::1']))).toMatch(/the proxy's own/);
  });

  it('deny refuses every non-AWS host before any lookup', () => {
    expect(reason(decideEgress(deny, 'example.com', 443))).toBe('non-AWS egress is denied (PROXY_EGRESS=deny)');
    expect(reason(decideEgress(deny, 'example.com', 443, ['93.184.216.34']))).toMatch(/denied/);
    expect(reason(decideEgress(deny, 'metadata.google.internal', 80))).toMatch(/metadata/);
  });

  it('allowlist admits listed hosts on listed ports only', () => {
    expect(decideEgress(list, 'example.com', 22)).toEqual({ allowed: true });
    expect(decideEgress(list, 'example.com', 443, ['93.184.216.34'])).toEqual({ allowed: true });
    expect(decideEgress(list, 'a.example.org', 443, ['93.184.216.35'])).toEqual({ allowed: true });
    expect(reason(decideEgress(list, 'a.example.org', 80))).toBe('not in the egress allowlist');
    expect(reason(decideEgress(list, 'evil.com', 443))).toBe('not in the egress allowlist');
    expect(reason(decideEgress(list, 'localhost', 8081))).toBe('not in the egress allowlist');
  });

  it('allowlist refuses loopback, private, link-local and reserved addresses unless an exact entry names the host', () => {
    expect(reason(decideEgress(list, 'example.com', 443, ['127.0.0.1']))).toBe('allowed'); // exact entry: meant
    expect(reason(decideEgress(list, 'rebind.example.org', 443, ['93.184.216.35', '10.0.0.1']))).toBe(
      'rebind.example.org resolves to 10.0.0.1, a private address; only an exact allowlist entry (line 2 is a wildcard) admits it',
    );
    expect(reason(decideEgress(list, 'x.example.org', 443, ['::ffff:127.0.0.1']))).toMatch(/a loopback address/);
    expect(reason(decideEgress(list, 'x.example.org', 443, ['fe80::1']))).toMatch(/a link-local address/);
    expect(reason(decideEgress(list, 'x.example.org', 443, ['fd00::1']))).toMatch(/a private address/);
    expect(decideEgress(list, 'localhost', 8080, ['127.0.0.1', '::1'])).toEqual({ allowed: true });
    expect(decideEgress(list, '127.0.0.1', 9000, ['127.0.0.1'])).toEqual({ allowed: true });
    expect(decideEgress(list, '::1', 9001, ['::1'])).toEqual({ allowed: true });
    expect(decideEgress(list, 'db.internal', 5432, ['10.1.2.3'])).toEqual({ allowed: true });
  });

  it('allowlist never admits metadata, even for an exact entry whose name resolves there', () => {
    expect(reason(decideEgress(list, 'db.internal', 5432, ['169.254.169.254']))).toBe('db.internal resolves to 169.254.169.254, a cloud metadata endpoint');
    expect(reason(decideEgress(list, 'example.com', 443, ['fd00:ec2::254']))).toMatch(/metadata/);
  });
});

describe('egress records', () => {
  const record = egressRecord({ method: 'CONNECT', host: 'example.com', port: 443, client: '10.0.0.9:51234', agent: 'claude', reason: 'not in the egress allowlist', latencyMs: 3 }, new Date('2025-01-02T03:04:05Z'));

  it('are refused records of service egress naming the client', () => {
    expect(record).toMatchObject({ v: 3, service: 'egress', host: 'example.com:443', operation: 'CONNECT', decision: 'refused', client: '10.0.0.9:51234', agent: 'claude', error: 'not in the egress allowlist', authorizations: [] });
    expect(egressRecord({ method: 'GET', host: '::1', port: 80, client: undefined, agent: undefined, reason: 'r', latencyMs: 0 }, new Date()).host).toBe('[::1]:80');
  });

  it('print one console line in the action log style', () => {
    const now = new Date(2025, 0, 2, 9, 8, 7);
    expect(consoleLines(record, now)).toEqual(['[09:08:07] REFUSED  egress:CONNECT example.com:443 by claude (not in the egress allowlist)']);
    expect(consoleLines({ ...record, agent: undefined }, now)).toEqual(['[09:08:07] REFUSED  egress:CONNECT example.com:443 (not in the egress allowlist)']);
  });

  it('are never material for a policy, whatever their decision', () => {
    expect(recordsByRole([record, { ...record, decision: 'allowed' }], { includeBlocked: true }).size).toBe(0);
  });
});
