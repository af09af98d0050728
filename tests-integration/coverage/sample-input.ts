import type { Member, ServiceModel, ShapeRef } from '../../src/services/model.js';

const SAMPLES: Record<string, unknown> = { string: 'sample', number: 1, boolean: true, timestamp: '2020-01-01T00:00:00Z', blob: 'AA==', document: {} };
/** Members whose value must have a shape of its own for the request to mean anything. */
const NAMED_SAMPLES: Record<string, unknown> = { AccountId: '123456789012', Statement: 'SELECT * FROM "sample"' };

/** An input with every required member given a plain value of its type (nesting bounded). */
export function sampleInput(model: ServiceModel, shape: ShapeRef | undefined): Record<string, unknown> {
  if (!shape) return {};
  return (sample(model, { target: shape }, 0) as Record<string, unknown> | undefined) ?? {};
}

function sample(model: ServiceModel, member: Member, depth: number, name = ''): unknown {
  const shape = model.shapes[member.target];
  if (!shape) return NAMED_SAMPLES[name] ?? SAMPLES[member.target] ?? 'sample';
  if (depth > 6) return undefined;
  switch (shape.type) {
    case 'structure': {
      // Required members; a structure that requires none (a TransactWriteItem) gets its first.
      const members = Object.entries(shape.members);
      const chosen = members.filter(([, m]) => m.required);
      const out: Record<string, unknown> = {};
      for (const [key, m] of chosen.length || depth === 0 ? chosen : members.slice(0, 1)) out[key] = sample(model, m, depth + 1, key);
      return out;
    }
    case 'union': {
      const [name, m] = Object.entries(shape.members)[0] ?? [];
      return name && m ? { [name]: sample(model, m, depth + 1) } : {};
    }
    case 'list':
      return [sample(model, shape.member, depth + 1)];
    case 'map':
      return { key: sample(model, shape.value, depth + 1) };
  }
}
