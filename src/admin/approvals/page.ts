import { formatDuration } from '../../grants/duration.js';
import type { Grant } from '../../grants/types.js';

export interface PageView {
  /** Pending and active grants; others are not shown. */
  grants: Grant[];
  /** Carried in every form and link, so each request proves it came from the printed URL. */
  token: string;
  /** Why the last decision was not taken. */
  problem?: string | undefined;
}

/**
 * The approvals page: pending requests (oldest first) with everything a person needs to decide,
 * then active grants (soonest to end first). Plain HTML forms, no script. Reasons, resources and
 * tickets are the agent's own words: everything shown goes through `escapeHtml`.
 */
export function renderGrantsPage(view: PageView): string {
  const pending = view.grants.filter((grant) => grant.status === 'pending').sort((a, b) => a.requestedAt.localeCompare(b.requestedAt));
  const active = view.grants.filter((grant) => grant.status === 'active').sort((a, b) => (a.expiresAt ?? '').localeCompare(b.expiresAt ?? ''));
  const token = escapeHtml(view.token);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>iam-agent-proxy: grants</title>
<style>${STYLE}</style>
</head>
<body>
<h1>Grants</h1>
<p><a href="/grants?token=${token}">Refresh</a></p>
${view.problem === undefined ? '' : `<p class="problem" role="alert">${escapeHtml(view.problem)}</p>\n`}<section id="pending">
<h2>Pending requests (${pending.length})</h2>
${pending.length === 0 ? '<p>No request is waiting.</p>' : pending.map((grant) => pendingGrant(grant, token)).join('\n')}
</section>
<section id="active">
<h2>Active grants (${active.length})</h2>
${active.length === 0 ? '<p>No grant is active.</p>' : active.map((grant) => activeGrant(grant, token)).join('\n')}
</section>
</body>
</html>
`;
}

const STYLE = `body{font:15px/1.4 system-ui,sans-serif;margin:1.5em;max-width:70em}
article{border:1px solid #bbb;border-radius:6px;padding:.5em 1em;margin:1em 0}
dl{display:grid;grid-template-columns:max-content auto;gap:.2em 1em}dt{font-weight:600}dd{margin:0}
table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:.1em .5em;text-align:left}
form{display:inline-block;margin:.5em 1em .5em 0}.problem{background:#fdd;padding:.5em}.signals li{color:#a40}`;

function pendingGrant(grant: Grant, token: string): string {
  const id = escapeHtml(grant.id);
  const { request } = grant;
  return `<article class="grant" id="${id}">
<h3>${id}: agent ${escapeHtml(grant.agent)}, risk ${grant.risk.score}/10</h3>
<dl>
<dt>Requested</dt><dd>${escapeHtml(grant.requestedAt)}</dd>
<dt>Actions</dt><dd>${codeList(request.actions)}</dd>
<dt>Resources</dt><dd>${codeList(request.resources)}</dd>
<dt>Duration</dt><dd>${formatDuration(request.durationSeconds)}</dd>
<dt>Reason</dt><dd>${escapeHtml(request.reason)}</dd>
${request.ticket === undefined ? '' : `<dt>Ticket</dt><dd>${escapeHtml(request.ticket)}</dd>\n`}${grant.heldCall ? '<dt>Held call</dt><dd>an AWS call is waiting for this decision</dd>\n' : ''}</dl>
${newAccess(grant)}
<h4>Risk ${grant.risk.score}/10</h4>
<ul>${grant.risk.factors.map((factor) => `<li>${escapeHtml(factor.factor)} +${factor.points}: ${escapeHtml(factor.detail)}</li>`).join('')}</ul>
${grant.signals.length === 0 ? '' : `<h4>Signals</h4>\n<ul class="signals">${grant.signals.map((signal) => `<li>${escapeHtml(signal)}</li>`).join('')}</ul>\n`}<form method="post" action="/grants/approve">
${hiddenFields(token, id)}<label>TTL <input name="ttl" size="10" placeholder="as requested" title="like 30m, 1h, 2h30m or seconds"></label>
<button type="submit">Approve</button>
</form>
<form method="post" action="/grants/deny">
${hiddenFields(token, id)}<label>Reason <input name="reason" required maxlength="500"></label>
<button type="submit">Deny</button>
</form>
</article>`;
}

function activeGrant(grant: Grant, token: string): string {
  const id = escapeHtml(grant.id);
  const { request } = grant;
  return `<article class="grant" id="${id}">
<h3>${id}: agent ${escapeHtml(grant.agent)}, risk ${grant.risk.score}/10</h3>
<dl>
<dt>Actions</dt><dd>${codeList(request.actions)}</dd>
<dt>Resources</dt><dd>${codeList(request.resources)}</dd>
<dt>Reason</dt><dd>${escapeHtml(request.reason)}</dd>
<dt>Approved</dt><dd>${escapeHtml(grant.decidedAt ?? '')} by ${escapeHtml(grant.decidedBy ?? '')}</dd>
<dt>Ends</dt><dd>${escapeHtml(grant.expiresAt ?? '')}</dd>
</dl>
<form method="post" action="/grants/revoke">
${hiddenFields(token, id)}<button type="submit">Revoke</button>
</form>
</article>`;
}

/** Before approval, the grant is shown as what it adds: expanded actions × resources the baseline does not allow. */
function newAccess(grant: Grant): string {
  const { pairs, truncated } = grant.newAccess;
  if (pairs.length === 0) return '<h4>New access beyond the baseline</h4>\n<p>None: the baseline already allows all of it.</p>';
  const rows = pairs.map((pair) => `<tr><td><code>${escapeHtml(pair.action)}</code></td><td><code>${escapeHtml(pair.resource)}</code></td><td>${escapeHtml(pair.accessLevel ?? 'unknown')}</td></tr>`);
  return `<h4>New access beyond the baseline (${pairs.length}${truncated ? ' shown, more not listed' : ''})</h4>
<table><tr><th>Action</th><th>Resource</th><th>Access level</th></tr>${rows.join('')}</table>`;
}

function hiddenFields(token: string, id: string): string {
  return `<input type="hidden" name="token" value="${token}"><input type="hidden" name="id" value="${id}">\n`;
}

function codeList(items: string[]): string {
  return items.map((item) => `<code>${escapeHtml(item)}</code>`).join(', ');
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ENTITIES[char]!);
}
