import { describe, expect, it } from 'vitest';
import { createPageToken, tokenMatches } from '../../../src/admin/approvals/token.js';

describe('the approvals page token', () => {
  it('is 32 random bytes in base64url, new each time', () => {
    const token = createPageToken();
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(token, 'base64url')).toHaveLength(32);
    expect(createPageToken()).not.toBe(token);
  });

  it('matches itself only: not another start, a prefix, a longer string or nothing', () => {
    const token = createPageToken();
    expect(tokenMatches(token, token)).toBe(true);
    expect(tokenMatches(token, createPageToken())).toBe(false);
    expect(tokenMatches(token, token.slice(0, -1))).toBe(false);
    expect(tokenMatches(token, `${token}x`)).toBe(false);
    expect(tokenMatches(token, '')).toBe(false);
    expect(tokenMatches(token, undefined)).toBe(false);
  });
});
