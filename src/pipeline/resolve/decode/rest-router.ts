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

const compiled = new WeakMap<ServiceModel, { all: Route[]; byMethod: Map<string, Route[]> }>();

/** A service's routes, compiled on first use; `method` narrows them to one HTTP method. */
export function routesOf(model: ServiceModel, method?: string): Route[] {
  let routes = compiled.get(model);
  if (!routes) {
    const all = Object.entries(model.operations).flatMap(([operation, op]) =>
      op.http ? [compileRoute(operation, op.http[0], op.http[1], op.input ? (model.shapes[op.input] as StructureShape | undefined) : undefined, op.hostPrefix)] : [],
    );
    const byMethod = new Map<string, Route[]>();
    for (const route of all) byMethod.set(route.method, [...(byMethod.get(route.method) ?? []), route]);
    routes = { all, byMethod };
    compiled.set(model, routes);
  }
  return method === undefined ? routes.all : (routes.byMethod.get(method) ?? []);
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

const coverage = new WeakMap<Route, WeakMap<Route, boolean>>();

/** Whether route `a` asks for everything route `b` asks for: the same for every request, so worked out once. */
function covers(a: Route, b: Route): boolean {
  let byRoute = coverage.get(a);
  if (!byRoute) coverage.set(a, (byRoute = new WeakMap()));
  let result = byRoute.get(b);
  if (result === undefined) byRoute.set(b, (result = routeCovers(a, b)));
  return result;
}

function routeCovers(a: Route, b: Route): boolean {
  if (!coversPath(a.segments, b.segments)) return false;
  const keysA = new Set([...a.queryLiterals.map(([key]) => key), ...a.requiredQuery]);
  const headersA = new Set(a.requiredHeaders);
  return b.queryLiterals.every(([key]) => keysA.has(key)) && b.requiredQuery.every((key) => keysA.has(key)) && b.requiredHeaders.every((h) => headersA.has(h));
}

/**
 * Path `a` is at least as specific as `b`: a literal wherever `b` has a label, and where `b` has a
 * greedy label, `a` has at least the segments `b` requires after it (`/portals/{arn+}/identityProviders`
 * over `/portals/{arn+}`).
 */
function coversPath(a: Segment[], b: Segment[]): boolean {
  const greedyB = b.findIndex((s) => 'label' in s && s.greedy);
  const greedyA = a.findIndex((s) => 'label' in s && s.greedy);
  if (greedyB === -1) return greedyA === -1 && a.length === b.length && a.every((x, i) => segmentCovers(x, b[i]!));
  const afterB = b.length - greedyB - 1;
  if (a.length < b.length || (greedyA !== -1 && (greedyA < greedyB || a.length - greedyA - 1 < afterB))) return false;
  const prefixCovers = b.slice(0, greedyB).every((y, i) => segmentCovers(a[i]!, y));
  const suffixCovers = b.slice(greedyB + 1).every((y, j) => segmentCovers(a[a.length - afterB + j]!, y));
  return prefixCovers && suffixCovers;
}

function segmentCovers(x: Segment, y: Segment): boolean {
  if ('literal' in x) return 'literal' in y ? x.literal === y.literal : true;
  return 'label' in y && x.greedy === y.greedy;
}

/** Query keys that select an operation somewhere in the service (S3's subresources: `acl`, `uploads`, …). */
export function subresourceKeys(routes: Route[]): Set<string> {
  return new Set(routes.flatMap((route) => route.queryLiterals.map(([key]) => key)));
}

/** Why AWS would rewrite the path before routing it (an empty, `.` or `..` segment, encoded or not), if it would. */
export function unnormalisedSegment(path: PathView): string | undefined {
  for (let i = 0; i < path.raw.length; i++) {
    if (path.raw[i] === '' && i < path.raw.length - 1) return 'an empty path segment ("//") is removed by AWS before routing';
    const parts = path.decoded[i]!.split('/');
    if (parts.some((part) => part === '.' || part === '..')) return 'a "." or ".." path segment (encoded or not) is resolved by AWS before routing';
  }
  return undefined;
}

export function pathView(rawPath: string): PathView {
  const raw = rawPath === '/' || rawPath === '' ? [] : rawPath.replace(/^\//, '').split('/');
  return { raw, decoded: raw.map(decodeSegment) };
}

/** Percent-decoding of one segment; a malformed escape is kept as sent (and then matches no literal). */
export function decodeSegment(segment: string): string {
  if (!segment.includes('%')) return segment;
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
    // The query first: it is cheap and rules out most routes of a service with subresources (S3).
    if (!fitsQuery(route, request.query) || !route.requiredHeaders.every((name) => request.hasHeader(name))) continue;
    const labels = matchPath(route.segments, request.path, presetLabels);
    if (labels) matches.push({ route, labels });
  }
  return matches;
}

function fitsQuery(route: Route, query: Record<string, unknown>): boolean {
  for (const [key, value] of route.queryLiterals) if (!Object.hasOwn(query, key) || (value !== undefined && query[key] !== value)) return false;
  for (const key of route.requiredQuery) if (!Object.hasOwn(query, key)) return false;
  return true;
}

function startsWithLabel(route: Route, labels: ReadonlySet<string>): boolean {
  const first = route.segments[0];
  return first !== undefined && 'label' in first && labels.has(first.label);
}

/**
 * Labels of a path that fits the template: literal segments equal (decoded), labels non-empty, a
 * greedy label (`{Key+}`, anywhere) takes every segment between the ones before and after it.
 * One trailing slash more or less is the same route (`/functions` and `/functions/`), except that
 * a greedy label at the end keeps it as part of its value (the S3 key `dir/`).
 */
function matchPath(segments: Segment[], path: PathView, presetLabels: ReadonlySet<string>): Record<string, string> | undefined {
  // Index arithmetic, not slices: this runs for every route of the method on every request.
  const offset = presetLabels.size ? 1 : 0;
  const count = segments.length - offset;
  let greedy = -1;
  for (let i = offset; i < segments.length; i++) if (isGreedy(segments[i]!)) greedy = i - offset;
  const before = greedy === -1 ? count : greedy;
  const after = greedy === -1 ? 0 : count - greedy - 1;
  let length = path.raw.length;
  if (after > 0 || greedy === -1) if (length > 0 && path.raw[length - 1] === '') length--;
  if (greedy === -1 ? length !== before : length < before + 1 + after) return undefined;
  const end = length - after;
  // Literals first: most routes fail there, before anything is allocated.
  for (let i = 0; i < before; i++) if (!literalFits(segments[offset + i]!, path.decoded[i])) return undefined;
  for (let j = 0; j < after; j++) if (!literalFits(segments[offset + greedy + 1 + j]!, path.decoded[end + j])) return undefined;
  const labels: Record<string, string> = Object.create(null) as Record<string, string>;
  const label = (segment: Segment, value: string | undefined): boolean => {
    if ('literal' in segment) return true;
    if (value === undefined || value === '') return false;
    labels[segment.label] = value;
    return true;
  };
  for (let i = 0; i < before; i++) if (!label(segments[offset + i]!, path.decoded[i])) return undefined;
  for (let j = 0; j < after; j++) if (!label(segments[offset + greedy + 1 + j]!, path.decoded[end + j])) return undefined;
  if (greedy === -1) return labels;
  const rest = path.raw.slice(before, end).join('/');
  if (rest === '') return undefined;
  labels[(segments[offset + greedy] as { label: string }).label] = decodeSegment(rest);
  return labels;
}

function isGreedy(segment: Segment): boolean {
  return 'label' in segment && segment.greedy;
}

function literalFits(segment: Segment, value: string | undefined): boolean {
  return !('literal' in segment) || value === segment.literal;
}
