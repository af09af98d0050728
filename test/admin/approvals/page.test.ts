import { describe, expect, it } from 'vitest';
import { escapeHtml, renderGrantsPage } from '../../../src/admin/approvals/page.js';
import { sampleGrant } from './fake-decisions.js';

const TOKEN = 'page-token_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';

describe('renderGrantsPage', () => {
  it('lists pending requests (oldest first) before active grants (soonest to end first)', () => {
    const html = renderGrantsPage({
      token: TOKEN,
      grants: [
        sampleGrant({ id: 'g-aaaaaaaaaaaaaaaa', status: 'active', decidedAt: '2026-01-02T09:00:00.000Z', decidedBy: 'cli', expiresAt: '2026-01-02T12:00:00.000Z' }),
        sampleGrant({ id: 'g-bbbbbbbbbbbbbbbb', requestedAt: '2026-01-02T10:30:00.000Z' }),
        sampleGrant({ id: 'g-cccccccccccccccc', requestedAt: '2026-01-02T10:10:00.000Z' }),
        sampleGrant({ id: 'g-dddddddddddddddd', status: 'active', expiresAt: '2026-01-02T11:00:00.000Z' }),
        sampleGrant({ id: 'g-eeeeeeeeeeeeeeee', status: 'denied' }),
      ],
    });
    const order = ['g-cccccccccccccccc', 'g-bbbbbbbbbbbbbbbb', 'g-dddddddddddddddd', 'g-aaaaaaaaaaaaaaaa'].map((id) => html.indexOf(`<article class="grant" id="${id}">`));
    expect(order.every((at, i) => at > 0 && (i === 0 || at > order[i - 1]!))).toBe(true);
    expect(html.indexOf('id="active"')).toBeGreaterThan(order[1]!);
    expect(html).toContain('Pending requests (2)');
    expect(html).toContain('Active grants (2)');
    expect(html).not.toContain('g-eeeeeeeeeeeeeeee');
  });

  it('shows a pending request: agent, actions, resources, new access, reason, ticket, duration, each risk factor, signals, time', () => {
    const html = renderGrantsPage({
      token: TOKEN,
      grants: [
        sampleGrant({
          agent: 'builder',
          request: { actions: ['s3:Get*'], resources: ['arn:aws:s3:::reports/*'], durationSeconds: 5400, reason: 'read the quarterly report', ticket: 'OPS-42' },
          newAccess: { actions: ['s3:GetObject', 's3:GetObjectAcl'], pairs: [{ action: 's3:GetObject', resource: 'arn:aws:s3:::reports/*', accessLevel: 'Read' }, { action: 's3:GetObjectAcl', resource: 'arn:aws:s3:::reports/*', accessLevel: undefined }], truncated: true },
          risk: { score: 4, factors: [{ factor: 'wildcard-action', points: 2, detail: 's3:Get*' }, { factor: 'duration', points: 1, detail: '90 min of a 12 h ceiling' }] },
          signals: ['3 requests in 10 minutes'],
          heldCall: true,
        }),
      ],
    });
    for (const text of [
      'agent builder, risk 4/10',
      '<code>s3:Get*</code>',
      '<dd><code>arn:aws:s3:::reports/*</code></dd>',
      '<td><code>s3:GetObject</code></td><td><code>arn:aws:s3:::reports/*</code></td><td>Read</td>',
      '<td><code>s3:GetObjectAcl</code></td><td><code>arn:aws:s3:::reports/*</code></td><td>unknown</td>',
      'New access beyond the baseline (2 shown, more not listed)',
      '<dd>read the quarterly report</dd>',
      '<dt>Ticket</dt><dd>OPS-42</dd>',
      '<dt>Duration</dt><dd>1h30m</dd>',
      '<li>wildcard-action +2: s3:Get*</li>',
      '<li>duration +1: 90 min of a 12 h ceiling</li>',
      '<li>3 requests in 10 minutes</li>',
      '<dt>Requested</dt><dd>2026-01-02T10:00:00.000Z</dd>',
      'an AWS call is waiting for this decision',
    ]) {
      expect(html).toContain(text);
    }
  });

  it('gives a pending request approve (optional TTL) and deny (reason required) forms carrying the token; an active one revoke', () => {
    const html = renderGrantsPage({ token: TOKEN, grants: [sampleGrant(), sampleGrant({ id: 'g-1111111111111111', status: 'active' })] });
    const hidden = (id: string) => `<input type="hidden" name="token" value="${TOKEN}"><input type="hidden" name="id" value="${id}">`;
    expect(html).toContain(`<form method="post" action="/grants/approve">\n${hidden('g-0123456789abcdef')}\n<label>TTL <input name="ttl"`);
    expect(html).toContain(`<form method="post" action="/grants/deny">\n${hidden('g-0123456789abcdef')}\n<label>Reason <input name="reason" required`);
    expect(html).toContain(`<form method="post" action="/grants/revoke">\n${hidden('g-1111111111111111')}\n<button type="submit">Revoke</button>`);
    expect(html.match(/action="\/grants\/revoke"/g)).toHaveLength(1);
    expect(html).not.toMatch(/<script/i);
  });

  it('escapes the agent\'s words: a <script> in a reason, resource, ticket or signal is text', () => {
    const attack = '<script>alert(1)</script>"\'&';
    const html = renderGrantsPage({
      token: TOKEN,
      problem: attack,
      grants: [
        sampleGrant({ request: { actions: [attack], resources: [attack], durationSeconds: 900, reason: attack, ticket: attack }, signals: [attack], newAccess: { actions: [], pairs: [{ action: attack, resource: attack, accessLevel: undefined }] } }),
        sampleGrant({ id: 'g-1111111111111111', status: 'active', agent: attack, request: { actions: ['s3:GetObject'], resources: ['*'], durationSeconds: 900, reason: attack } }),
      ],
    });
    expect(html).not.toContain('<script');
    expect(html).not.toContain(attack);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp;');
  });

  it('says when nothing is pending or active, and shows why a decision was not taken', () => {
    const html = renderGrantsPage({ token: TOKEN, grants: [], problem: 'g-0123456789abcdef is active, not pending' });
    expect(html).toContain('No request is waiting.');
    expect(html).toContain('No grant is active.');
    expect(html).toContain('<p class="problem" role="alert">g-0123456789abcdef is active, not pending</p>');
  });
});

describe('escapeHtml', () => {
  it('escapes the five HTML specials', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
  });
});
