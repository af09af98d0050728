import http from 'node:http';

export interface HttpAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/**
 * One request on a new connection to a loopback listener (admin, credential endpoint), with its
 * own Host header unless given; `chunked` sends a body without Content-Length.
 */
export function loopbackRequest(port: number, options: { method?: string; path: string; headers?: Record<string, string>; body?: string | Buffer; chunked?: boolean; address?: string }): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { host: `127.0.0.1:${port}`, ...options.headers };
    if (options.body !== undefined && !options.chunked) headers['content-length'] ??= String(Buffer.byteLength(options.body));
    const req = http.request({ host: options.address ?? '127.0.0.1', port, method: options.method ?? 'GET', path: options.path, headers, agent: false });
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}
