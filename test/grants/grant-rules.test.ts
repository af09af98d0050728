import { describe, expect, it } from 'vitest';
import { parseGrantRules } from '../../src/grants/grant-rules.js';
import { GrantError } from '../../src/grants/types.js';

const SOURCE = '/etc/proxy/grant-rules.json';

describe('parseGrantRules', () => {
  it('reads a full document, durations in seconds or words', () => {
    const rules = parseGrantRules(
      {
        minDuration: '1m',
        maxDuration: 7200,
        autoApprove: [
          { name: 'read-only', accessLevels: ['Read', 'List'], services: ['s3'], agents: ['claude'], maxDuration: '2h30m', allowWildcardResources: false, maxRisk: 4 },
          { name: 'short', maxDuration: 600 },
        ],
      },
      SOURCE,
    );
    expect(rules).toEqual({
      minDurationSeconds: 60,
      maxDurationSeconds: 7200,
      autoApprove: [
        { name: 'read-only', accessLevels: ['Read', 'List'], services: ['s3'], agents: ['claude'], maxDurationSeconds: 9000, allowWildcardResources: false, maxRisk: 4 },
        { name: 'short', maxDurationSeconds: 600 },
      ],
    });
    expect(rules.autoApprove[1]).not.toHaveProperty('accessLevels');
  });

  it('defaults to 5 min to 12 h and no rules', () => {
    expect(parseGrantRules({}, SOURCE)).toEqual({ minDurationSeconds: 300, maxDurationSeconds: 43_200, autoApprove: [] });
    expect(parseGrantRules({ autoApprove: [] }, SOURCE).autoApprove).toEqual([]);
  });

  it('takes a minimum equal to the maximum', () => {
    expect(parseGrantRules({ minDuration: '1h', maxDuration: 3600 }, SOURCE)).toMatchObject({ minDurationSeconds: 3600, maxDurationSeconds: 3600 });
  });

  it.each([
    [[], 'the grant rules: expected a JSON object'],
    [null, 'the grant rules: expected a JSON object'],
    ['rules', 'the grant rules: expected a JSON object'],
    [{ maxDurration: '1h' }, 'the grant rules: unknown field "maxDurration" (known: minDuration, maxDuration, autoApprove)'],
    [{ __proto__: null, ['__proto__']: {} }, 'the grant rules: unknown field "__proto__"'],
    [{ minDuration: '2h', maxDuration: '1h' }, 'minDuration (2h) is longer than maxDuration (1h)'],
    [{ minDuration: '20m' , maxDuration: '15m'}, 'minDuration (20m) is longer than maxDuration (15m)'],
    [{ maxDuration: '0' }, 'maxDuration: "0" is not a positive duration'],
    [{ minDuration: '-5m' }, 'minDuration: "-5m" is not a duration'],
    [{ maxDuration: '15x' }, 'maxDuration: "15x" is not a duration'],
    [{ maxDuration: 1e9 }, 'maxDuration: 1000000000 is longer than 168h'],
    [{ autoApprove: {} }, 'autoApprove: expected a list'],
    [{ autoApprove: ['read'] }, 'autoApprove[0]: expected a JSON object'],
    [{ autoApprove: [{ accessLevels: ['Read'] }] }, 'autoApprove[0].name: every rule needs a name'],
    [{ autoApprove: [{ name: '  ' }] }, 'autoApprove[0].name: every rule needs a name'],
    [{ autoApprove: [{ name: 'a' }, { name: 'a' }] }, 'autoApprove: two rules are named "a"'],
    [{ autoApprove: [{ name: 'a', maxDurationSeconds: 60 }] }, 'autoApprove[0]: unknown field "maxDurationSeconds"'],
    [{ autoApprove: [{ name: 'a', accessLevels: ['read'] }] }, 'autoApprove[0].accessLevels[0]: "read" is not an access level (Permissions management, Write, Tagging, Read, List)'],
    [{ autoApprove: [{ name: 'a', accessLevels: ['Read', 'Permissions Management'] }] }, 'autoApprove[0].accessLevels[1]: "Permissions Management" is not an access level'],
    [{ autoApprove: [{ name: 'a', accessLevels: 'Read' }] }, 'autoApprove[0].accessLevels: expected a list'],
    [{ autoApprove: [{ name: 'a', accessLevels: [] }] }, 'autoApprove[0].accessLevels: an empty list; leave the field out instead'],
    [{ autoApprove: [{ name: 'a', services: ['S3'] }] }, 'autoApprove[0].services[0]: "S3" is not a service prefix (like "s3")'],
    [{ autoApprove: [{ name: 'a', services: ['s3:*'] }] }, 'autoApprove[0].services[0]: "s3:*" is not a service prefix'],
    [{ autoApprove: [{ name: 'a', agents: [''] }] }, 'autoApprove[0].agents[0]: "" is not an agent name'],
    [{ autoApprove: [{ name: 'a', agents: [] }] }, 'autoApprove[0].agents: an empty list'],
    [{ autoApprove: [{ name: 'a', maxDuration: '1d' }] }, 'autoApprove[0].maxDuration: "1d" is not a duration'],
    [{ autoApprove: [{ name: 'a', allowWildcardResources: 'yes' }] }, 'autoApprove[0].allowWildcardResources: true or false, not "yes"'],
    [{ autoApprove: [{ name: 'a', maxRisk: 0 }] }, 'autoApprove[0].maxRisk: a whole number from 1 to 10, not 0'],
    [{ autoApprove: [{ name: 'a', maxRisk: 11 }] }, 'autoApprove[0].maxRisk: a whole number from 1 to 10, not 11'],
    [{ autoApprove: [{ name: 'a', maxRisk: 4.5 }] }, 'autoApprove[0].maxRisk: a whole number from 1 to 10, not 4.5'],
    [{ autoApprove: [{ name: 'a', maxRisk: '4' }] }, 'autoApprove[0].maxRisk: a whole number from 1 to 10, not "4"'],
  ])('refuses %j', (json, message) => {
    const parse = () => parseGrantRules(json, SOURCE);
    expect(parse).toThrow(GrantError);
    expect(parse).toThrow(`${SOURCE}: ${message}`);
  });

  it('says so in one line', () => {
    expect(() => parseGrantRules({ autoApprove: [{ name: 'a', accessLevels: ['read'] }] }, SOURCE)).toThrow(/^[^\n]+$/);
  });
});
