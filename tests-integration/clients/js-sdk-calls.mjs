// Runs a list of AWS SDK for JavaScript v3 calls through the proxy, one after another, as an agent
// would: reads [{ service, operation, input, protocol? }] as JSON on stdin, where `service` is the
// @aws-sdk/client-<service> package, `protocol: "rpcv2Cbor"` makes the client speak Smithy RPC v2
// CBOR (as the SDK does when configured so) and `{ "$bytes": "text" }` stands for binary input, and prints
// [{ ok, output } | { ok: false, error, status }] as JSON on stdout, in the same order.
import { AwsSmithyRpcV2CborProtocol } from '@aws-sdk/core/protocols';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { HttpsProxyAgent } from 'https-proxy-agent';

const requestHandler = new NodeHttpHandler({ httpsAgent: new HttpsProxyAgent(process.env.HTTPS_PROXY) });
const clients = new Map();

async function clientFor(service, protocol) {
  const key = `${service} ${protocol ?? ''}`;
  if (!clients.has(key)) {
    const module = await import(`@aws-sdk/client-${service}`);
    const name = Object.keys(module).find((k) => /^[A-Z][A-Za-z0-9]*Client$/.test(k));
    const config = protocol === 'rpcv2Cbor' ? { requestHandler, protocol: AwsSmithyRpcV2CborProtocol } : { requestHandler };
    clients.set(key, { module, client: new module[name](config) });
  }
  return clients.get(key);
}

const revive = (value) => {
  if (Array.isArray(value)) return value.map(revive);
  if (value === null || typeof value !== 'object') return value;
  if (typeof value.$bytes === 'string') return new TextEncoder().encode(value.$bytes);
  return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, revive(inner)]));
};

/** The output as JSON: bytes and streams as text, no $metadata. */
async function plain(value) {
  if (value instanceof Uint8Array) return new TextDecoder().decode(value);
  if (value instanceof Date) return value.toISOString();
  if (value && typeof value.transformToString === 'function') return value.transformToString();
  if (Array.isArray(value)) return Promise.all(value.map(plain));
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value).filter(([key]) => key !== '$metadata');
  return Object.fromEntries(await Promise.all(entries.map(async ([key, inner]) => [key, await plain(inner)])));
}

let text = '';
for await (const chunk of process.stdin) text += chunk;
const results = [];
for (const { service, operation, input, protocol } of JSON.parse(text)) {
  try {
    const { module, client } = await clientFor(service, protocol);
    const output = await client.send(new module[`${operation}Command`](revive(input)));
    results.push({ ok: true, output: await plain(output) });
  } catch (error) {
    results.push({ ok: false, error: `${error.name}: ${error.message}`, status: error.$metadata?.httpStatusCode });
  }
}
console.log(JSON.stringify(results));
