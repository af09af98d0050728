import { TemplateSyntaxError } from './syntax.js';

/** Property paths, `${A.B[].C}` in a template or a condition's lhs: parsing them, walking the input. */

/** One `.Name` step of a property path; `each` counts the `[]` after it. */
export interface PathStep {
  key: string;
  each: number;
}

/** `A.B[].C[][]` → steps; names may hold any character but `.`, `[`, `]`. */
export function parsePath(source: string): PathStep[] {
  return source.split('.').map((segment) => {
    const match = /^([^.[\]]+)((?:\[\])*)$/.exec(segment);
    if (!match?.[1]) throw new TemplateSyntaxError(`bad property path \${${source}}`);
    return { key: match[1], each: (match[2] ?? '').length / 2 };
  });
}

/**
 * Calls `visit` with every value `path` reaches, `undefined` where a step is missing (an empty
 * array reaches nothing). Only own properties of plain objects are followed: `constructor` or
 * `__proto__` in a path never reach the prototype. `visit` returns false to stop.
 */
export function visitLeaves(root: unknown, path: readonly PathStep[], visit: (leaf: unknown) => boolean): void {
  walk(root, path, 0, visit);
}

function walk(value: unknown, path: readonly PathStep[], index: number, visit: (leaf: unknown) => boolean): boolean {
  const step = path[index];
  if (!step) return visit(value);
  const child = isRecord(value) && Object.hasOwn(value, step.key) ? value[step.key] : undefined;
  return spread(child, step.each, (element) => walk(element, path, index + 1, visit));
}

/** Applies `[]` `depth` times: each element of each array; a non-array where one is expected is missing. */
function spread(value: unknown, depth: number, next: (element: unknown) => boolean): boolean {
  if (depth === 0) return next(value);
  if (!Array.isArray(value)) return next(undefined);
  for (const element of value) if (!spread(element, depth - 1, next)) return false;
  return true;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
