import type { MapCondition } from '../../../../services/model.js';
import { remember } from './memo.js';
import { parsePath, visitLeaves, type PathStep } from './paths.js';
import { TemplateSyntaxError } from './syntax.js';

const conditionPaths = new Map<string, PathStep[] | undefined>();

/**
 * Whether an entry's `conditions` hold. Every op holds if it holds for at least one value the lhs
 * reaches, a missing one counting as absent (so `Delete.Objects[].VersionId` can be both Exists
 * and NotExists: some objects carry a version, some do not); an empty array counts as one absent
 * value. Ops this code does not know, a malformed lhs or a missing rhs: the entry applies (an
 * extra action is safer than a missed one).
 */
export function conditionHolds(condition: MapCondition, input: unknown): boolean {
  const path = conditionPath(condition.lhs);
  const test = path && leafTest(condition);
  if (!path || !test) return true;
  let holds = false;
  let reachedAny = false;
  visitLeaves(input, path, (leaf) => {
    reachedAny = true;
    holds = test(leaf);
    return !holds;
  });
  return reachedAny ? holds : test(undefined);
}

function leafTest(condition: MapCondition): ((leaf: unknown) => boolean) | undefined {
  const { op, rhs } = condition;
  if (op === 'Exists') return (leaf) => leaf !== undefined && leaf !== null;
  if (op === 'NotExists') return (leaf) => leaf === undefined || leaf === null;
  if (rhs === undefined) return undefined;
  if (op === 'Equals') return (leaf) => scalarText(leaf) === rhs;
  if (op === 'NotEquals') return (leaf) => scalarText(leaf) !== rhs;
  if (op === 'IContains') {
    // Whitespace runs compare as one space: `DELETE\tFROM` must not slip past `DELETE `.
    const needle = normaliseForContains(rhs);
    return (leaf) => typeof leaf === 'string' && normaliseForContains(leaf).includes(needle);
  }
  return undefined;
}

function normaliseForContains(text: string): string {
  return text.replace(/\s+/g, ' ').toLowerCase();
}

function scalarText(value: unknown): string | undefined {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : undefined;
}

function conditionPath(lhs: string): PathStep[] | undefined {
  if (!conditionPaths.has(lhs)) {
    let path: PathStep[] | undefined;
    try {
      path = parsePath(lhs);
    } catch (error) {
      if (!(error instanceof TemplateSyntaxError)) throw error;
    }
    remember(conditionPaths, lhs, path);
  }
  return conditionPaths.get(lhs);
}
