import { percentDecode } from '../../../aws/query.js';
import type { CallDescription, RequiredAction } from '../types.js';

interface LambdaRoute {
  method: string;
  /** Path pattern; `{name}` captures a function name or ARN. */
  pattern: RegExp;
  operation: string;
  action: string;
}

const FN = '([^/]+)';
const route = (method: string, path: string, operation: string, action = `lambda:${operation}`): LambdaRoute => ({
  method,
  pattern: new RegExp(`^/\\d{4}-\\d{2}-\\d{2}${path.replace('{name}', FN)}/?$`),
  operation,
  action,
});

/** Lambda's REST routes (API versions in the path differ per operation; any date is accepted). */
const LAMBDA_ROUTES: LambdaRoute[] = [
  route('GET', '/functions', 'ListFunctions'),
  route('POST', '/functions', 'CreateFunction'),
  route('GET', '/functions/{name}', 'GetFunction'),
  route('DELETE', '/functions/{name}', 'DeleteFunction'),
  route('POST', '/functions/{name}/invocations', 'Invoke', 'lambda:InvokeFunction'),
  route('POST', '/functions/{name}/invoke-async', 'InvokeAsync', 'lambda:InvokeFunction'),
  route('POST', '/functions/{name}/response-streaming-invocations', 'InvokeWithResponseStream', 'lambda:InvokeFunction'),
  route('GET', '/functions/{name}/configuration', 'GetFunctionConfiguration'),
  route('PUT', '/functions/{name}/configuration', 'UpdateFunctionConfiguration'),
  route('PUT', '/functions/{name}/code', 'UpdateFunctionCode'),
  route('GET', '/functions/{name}/policy', 'GetPolicy'),
  route('POST', '/functions/{name}/policy', 'AddPermission'),
  route('GET', '/functions/{name}/versions', 'ListVersionsByFunction'),
  route('POST', '/functions/{name}/versions', 'PublishVersion'),
  route('GET', '/functions/{name}/aliases', 'ListAliases'),
  route('GET', '/functions/{name}/concurrency', 'GetFunctionConcurrency'),
  route('PUT', '/functions/{name}/concurrency', 'PutFunctionConcurrency'),
  route('GET', '/functions/{name}/url', 'GetFunctionUrlConfig'),
  route('GET', '/event-source-mappings', 'ListEventSourceMappings'),
  route('POST', '/event-source-mappings', 'CreateEventSourceMapping'),
  route('GET', '/account-settings', 'GetAccountSettings'),
  route('GET', '/layers', 'ListLayers'),
  route('GET', '/tags/{name}', 'ListTags'),
  route('POST', '/tags/{name}', 'TagResource'),
  route('DELETE', '/tags/{name}', 'UntagResource'),
];

export function resolveLambda(call: CallDescription): { operation: string | undefined; actions: RequiredAction[] } {
  for (const r of LAMBDA_ROUTES) {
    if (r.method !== call.method) continue;
    const match = r.pattern.exec(call.rawPath);
    if (!match) continue;
    const name = match[1] ? percentDecode(match[1]) : undefined;
    return { operation: r.operation, actions: [{ action: r.action, resources: functionArn(name, call), known: true }] };
  }
  return { operation: undefined, actions: [] };
}

/** A function name, partial or full ARN → the function's ARN (qualifier dropped); [] if unknowable. */
function functionArn(name: string | undefined, call: CallDescription): string[] {
  if (!name) return [];
  if (name.startsWith('arn:')) return [name.split(':').slice(0, 7).join(':')];
  const plain = name.split(':')[0]!;
  return call.accountId ? [`arn:${call.partition}:lambda:${call.region}:${call.accountId}:function:${plain}`] : [];
}
