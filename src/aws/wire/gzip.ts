import { gunzipSync } from 'node:zlib';
import { parsed, unreadable, type Parsed } from './parsed.js';

/** A decompressed body may be no larger than a body the proxy reads at all. */
const MAX_INFLATED_BYTES = 64 * 1024 * 1024;

/** A gzip-compressed body (AWS request compression, e.g. CloudWatch PutMetricData), bounded. */
export function gunzip(body: Buffer): Parsed<Buffer> {
  try {
    return parsed(gunzipSync(body, { maxOutputLength: MAX_INFLATED_BYTES }));
  } catch (error) {
    return unreadable(`a gzip body that cannot be decompressed (${(error as Error).message})`);
  }
}
