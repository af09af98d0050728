import { mkdtempSync, readFileSync } from 'node:fs';
import http from 'node:http';
import tls from 'node:tls';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import aws4 from 'aws4';
import { startFakeAws } from '../support/fake-aws.js';
import { PROXY_CREDS_BIN, REAL, run, startProxy } from '../support/proxy-process.js';
const upstream = await startFakeAws({ credentials: REAL, dir: mkdtempSync(join(tmpdir(), 'x-')) });
const proxy = await startProxy({ upstream, env: { NODE_OPTIONS: '--import file:///tmp/exp/gc.mjs' } });
const ca = readFileSync(join(proxy.stateDir, 'ca.pem'), 'utf8');
const c = JSON.parse((await run(process.execPath, [PROXY_CREDS_BIN], { PATH: process.env.PATH!, HOME: proxy.home })).stdout);
const creds = { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
await sleep(1000);
async function once(host: string, region: string) {
  const t0 = performance.now();
  const sock: tls.TLSSocket = await new Promise((res, rej) => {
    const r = http.request({ method: 'CONNECT', host: '127.0.0.1', port: proxy.port, path: `${host}:443`, agent: false });
    r.once('connect', (_r, s) => { const t = tls.connect({ socket: s, servername: host, ca }, () => res(t)); t.on('error', rej); });
    r.end();
  });
  const t1 = performance.now();
  const times: number[] = [];
  for (let i = 0; i < 3; i++) {
    const signed = aws4.sign({ host, method: 'POST', path: '/', service: 'sts', region, body: 'Action=GetCallerIdentity&Version=2011-06-15', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } }, creds);
    const s = performance.now();
    await new Promise<void>((res) => {
      let buf = '';
      const onData = (d: Buffer) => { buf += d; const m = /content-length: (\d+)/i.exec(buf); const i2 = buf.indexOf('\r\n\r\n'); if (m && i2 >= 0 && buf.length >= i2 + 4 + Number(m[1])) { sock.off('data', onData); res(); } };
      sock.on('data', onData);
      const h = Object.entries(signed.headers!).map(([k, v]) => `${k}: ${v}`).join('\r\n');
      sock.write(`POST / HTTP/1.1\r\n${h}\r\n\r\n${signed.body}`);
    });
    times.push(performance.now() - s);
  }
  sock.destroy();
  return `handshake ${(t1 - t0).toFixed(1)} reqs ${times.map((t) => t.toFixed(1)).join(' ')}`;
}
for (const r of ['us-west-1', 'us-west-2', 'eu-west-1', 'eu-west-2', 'ap-south-1']) {
  proxy.stdout.length = 0;
  console.log(r, await once(`sts.${r}.amazonaws.com`, r));
  await sleep(100);
  console.log('   proxy stdout:', proxy.stdout.filter((l) => /Scavenge|Mark/.test(l)).map((l) => l.replace(/^\[\d+:0x[0-9a-f]+\]\s+/, '').slice(0, 70)).join(' | '));
  console.log(r, 'again', await once(`sts.${r}.amazonaws.com`, r));
  await sleep(300);
}
await proxy.stop(); await upstream.close();
