import type { Member, ServiceModel, ShapeRef } from '../../src/services/model.js';

const SAMPLES: Record<string, unknown> = { string: 'sample', number: 1, boolean: true, timestamp: '2020-01-01T00:00:00Z', blob: 'AA==', document: {} };

/** An input with every required member given a plain value of its type (nesting bounded). */
export function sampleInput(model: ServiceModel, shape: ShapeRef | undefined): Record<string, unknown> {
  if (!shape) return {};
  return (sample(model, { target: shape }, 0) as Record<string, unknown> | undefined) ?? {};
}

function sample(model: ServiceModel, member: Member, depth: number): unknown {
  const shape = model.shapes[member.target];
  if (!shape) return SAMPLES[member.target] ?? 'sample';
  if (depth > 6) return undefined;
  switch (shape.type) {
    case 'structure': {
      const out: Record<string, unknown> = {};
      for (const [name, m] of Object.entries(shape.members)) if (m.required) out[name] = sample(model, m, depth + 1);
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
