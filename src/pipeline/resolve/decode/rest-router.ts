import type { Member, ServiceModel, StructureShape } from '../../../services/model.js';

/** One REST operation's HTTP binding, compiled from its URI template. */
export interface Route {
  operation: string;
  method: string;
  segments: Segment[];
  /** Query keys the URI template fixes (`?acl`, `?list-type=2`); value undefined: any value. */
  queryLiterals: Array<[key: string, value: string | undefined]>;
  /** Query keys and headers the input requires (`uploadId`, `x-amz-copy-source`): the route is only for requests that carry them. */
  requiredQuery: string[];
  requiredHeaders: string[];
  hostPrefix: string | undefined;
}

export type Segment = { literal: string } | { label: string; greedy: boolean };

/** A request path as a router sees it. */
export interface PathView {
  raw: string[];
  decoded: string[];
}

export interface RouteMatch {
  route: Route;
  /** URI label values, percent-decoded once. */
  labels: Record<string, string>;
}

/** `x-id` is the SDKs' hint of the operation name, not part of AWS's routing. */
export const OPERATION_HINT = 'x-id';

const compiled = new WeakMap<ServiceModel, Route[]>();

export function routesOf(model: ServiceModel): Route[] {
  let routes = compiled.get(model);
  if (!routes) {
    routes = Object.entries(model.operations).flatMap(([operation, op]) =>
      op.http ? [compileRoute(operation, op.http[0], op.http[1], op.input ? (model.shapes[op.input] as StructureShape | undefined) : undefined, op.hostPrefix)] : [],
    );
    compiled.set(model, routes);
  }
  return routes;
}

export function compileRoute(operation: string, method: string, uri: string, input: StructureShape | undefined, hostPrefix: string | undefined): Route {
  const [path = '', query = ''] = uri.split('?', 2);
  const segments: Segment[] = path.replace(/^\//, '').split('/').filter((s, i, all) => s !== '' || i < all.length - 1).map((segment) => {
    const label = /^\{(\w+)(\+)?\}$/.exec(segment);
    return label ? { label: label[1]!, greedy: label[2] === '+' } : { literal: segment };
  });
  const queryLiterals = query
    .split('&')
    .filter(Boolean)
    .map((pair): [string, string | undefined] => {
      const eq = pair.indexOf('=');
      return eq === -1 ? [pair, undefined] : [pair.slice(0, eq), pair.slice(eq + 1)];
    })
    .filter(([key]) => key !== OPERATION_HINT);
  const members: Member[] = Object.values(input?.members ?? {});
  const requiredQuery = members.filter((m) => m.required && m.location === 'query').map((m) => m.name!);
  const requiredHeaders = members.filter((m) => m.required && m.location === 'header').map((m) => m.name!);
  return { operation, method, segments, queryLiterals, requiredQuery, requiredHeaders, hostPrefix };
}

/**
 * The one route among several a request fits that asks for everything each other one asks for
 * (a literal wherever the other has a label, its query keys and headers and more): PutObjectAcl
 * over PutObject for `?acl`, UploadPartCopy over UploadPart. When no route is that, two operations
 * claim the request (`?acl&tagging`, `?uploads&uploadId=1`) and undefined is returned.
 */
export function mostSpecific(matches: RouteMatch[]): RouteMatch | undefined {
  return matches.find((a) => matches.every((b) => a === b || (covers(a.route, b.route) && !covers(b.route, a.route))));
}

function covers(a: Route, b: Route): boolean {
  if (a.segments.length !== b.segments.length) return false;
  for (let i = 0; i < a.segments.length; i++) {
    const [x, y] = [a.segments[i]!, b.segments[i]!];
    if ('label' in x && 'literal' in y) return false;
    if ('label' in x && 'label' in y && x.greedy !== y.greedy) return false;
  }
  const keysA = new Set([...a.queryLiterals.map(([key]) => key), ...a.requiredQuery]);
  const headersA = new Set(a.requiredHeaders);
  return b.queryLiterals.every(([key]) => keysA.has(key)) && b.requiredQuery.every((key) => keysA.has(key)) && b.requiredHeaders.every((h) => headersA.has(h));
}

/** Query keys that select an operation somewhere in the service (S3's subresources: `acl`, `uploads`, …). */
export function subresourceKeys(routes: Route[]): Set<string> {
  return new Set(routes.flatMap((route) => route.queryLiterals.map(([key]) => key)));
}

export function pathView(rawPath: string): PathView {
  const raw = rawPath === '/' || rawPath === '' ? [] : rawPath.replace(/^\//, '').split('/');
  return { raw, decoded: raw.map(decodeSegment) };
}

/** Percent-decoding of one segment; a malformed escape is kept as sent (and then matches no literal). */
export function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/**
 * Every route the request fits: method, path (labels non-empty; a greedy label takes the rest),
 * the URI template's query keys, and the query keys and headers the input requires.
 * `presetLabels` are labels the host already supplied (a virtual-hosted S3 bucket).
 */
export function candidateRoutes(
  routes: Route[],
  request: { method: string; path: PathView; query: Record<string, unknown>; hasHeader(name: string): boolean },
  presetLabels: ReadonlySet<string>,
  hostPrefix: string | undefined,
): RouteMatch[] {
  const matches: RouteMatch[] = [];
  for (const route of routes) {
    if (route.method !== request.method || route.hostPrefix !== hostPrefix) continue;
    // A request addressed through its host (a bucket's own host name) is for that bucket's routes only.
    if (presetLabels.size && !startsWithLabel(route, presetLabels)) continue;
    const labels = matchPath(route.segments, request.path, presetLabels);
    if (!labels) continue;
    if (!route.queryLiterals.every(([key, value]) => Object.hasOwn(request.query, key) && (value === undefined || request.query[key] === value))) continue;
    if (!route.requiredQuery.every((key) => Object.hasOwn(request.query, key))) continue;
    if (!route.requiredHeaders.every((name) => request.hasHeader(name))) continue;
    matches.push({ route, labels });
  }
  return matches;
}

function startsWithLabel(route: Route, labels: ReadonlySet<string>): boolean {
  const first = route.segments[0];
  return first !== undefined && 'label' in first && labels.has(first.label);
}

function matchPath(segments: Segment[], path: PathView, presetLabels: ReadonlySet<string>): Record<string, string> | undefined {
  const labels: Record<string, string> = Object.create(null) as Record<string, string>;
  const template = presetLabels.size ? segments.slice(1) : segments;
  let i = 0;
  for (const segment of template) {
    if ('literal' in segment) {
      if (path.decoded[i] !== segment.literal) return undefined;
      i++;
    } else if (segment.greedy) {
      const rest = path.raw.slice(i).join('/');
      if (rest === '') return undefined;
      labels[segment.label] = decodeSegment(rest);
      i = path.raw.length;
    } else {
      const value = path.decoded[i];
      if (value === undefined || value === '') return undefined;
      labels[segment.label] = value;
      i++;
    }
  }
  // One trailing slash more or less is the same route (`/functions` and `/functions/`).
  const left = path.raw.length - i;
  return left === 0 || (left === 1 && path.raw[i] === '') ? labels : undefined;
}
