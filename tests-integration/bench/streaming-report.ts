/** Section 8's printed report (streaming.ts), with what its figures mean. */
import { out } from './report.js';
import { HASHED_MIB, STALL_MIB, STALL_MS, TRICKLE } from './stream-data.js';
import type { StreamingResult, Transfer } from './streaming.js';
import { f0, f1, f2, table } from './table.js';

const GOAL_MB = 150;

export function printStreaming(s: StreamingResult): void {
  const rate = (t: Transfer): number => s.mib / t.seconds;
  const ratio = (pair: { direct: Transfer; proxied: Transfer }): string => `${f2(rate(pair.proxied) / rate(pair.direct))}x`;
  const perGiB = (ms: number | undefined): number => (ms ?? Number.NaN) / 1000 / (s.mib / 1024);
  const all = (pick: (r: StreamingResult['rounds'][number]) => Transfer[]): string => (s.rounds.flatMap(pick).every((t) => t.intact) ? 'yes' : 'NO');
  const peak = (pick: (r: StreamingResult['rounds'][number]) => Transfer): number => Math.max(...s.rounds.map((r) => pick(r).peakRssMiB ?? Number.NaN));
  out(`8. Streaming: ${s.mib} MiB S3 PutObject (UNSIGNED-PAYLOAD, then as 64 KiB signed chunks) and GetObject, one connection each, direct and via a proxy of its`);
  out('   own, alternately, against one upstream that buffers nothing (streaming-upstream.ts); byte counts and SHA-256 checked');
  out('   by the receiving side; the proxy\'s VmRSS sampled every 20 ms during its transfers');
  const others = (pair: { direct: Transfer; proxied: Transfer }): string => `${f0(pair.direct.othersCpuPct ?? Number.NaN)}% / ${f0(pair.proxied.othersCpuPct ?? Number.NaN)}%`;
  const rows: string[][] = [];
  s.rounds.forEach((r, i) => rows.push([`PUT MiB/s, round ${i + 1}`, f0(rate(r.put.direct)), f0(rate(r.put.proxied)), ratio(r.put), others(r.put)]));
  s.rounds.forEach((r, i) => rows.push([`signed-chunk PUT MiB/s, round ${i + 1}`, f0(rate(r.chunked.direct)), f0(rate(r.chunked.proxied)), ratio(r.chunked), others(r.chunked)]));
  s.rounds.forEach((r, i) => rows.push([`GET MiB/s, round ${i + 1}`, f0(rate(r.get.direct)), f0(rate(r.get.proxied)), ratio(r.get), others(r.get)]));
  rows.push(
    ['proxy CPU per GiB, PUT / chunked / GET, s', '-', s.rounds.map((r) => [r.put, r.chunked, r.get].map((p) => f2(perGiB(p.proxied.proxyCpuMs))).join(' / ')).join(', '), '', ''],
    ['proxy peak VmRSS sampled, PUT / chunked / GET, MiB', '-', [peak((r) => r.put.proxied), peak((r) => r.chunked.proxied), peak((r) => r.get.proxied)].map(f1).join(' / '), '', ''],
    ['bytes and SHA-256 intact', all((r) => [r.put.direct, r.chunked.direct, r.get.direct]), all((r) => [r.put.proxied, r.chunked.proxied, r.get.proxied]), '', ''],
  );
  out(table(['', 'direct', 'via proxy', 'ratio', 'other processes\' CPU'], rows));
  const { start, end } = s.memory;
  out(`   proxy VmRSS ${f1(start.rssMiB)} MiB before the transfers (after warm-up), ${f1(end.rssMiB)} MiB after them;`);
  out(`   its VmHWM (peak of its life so far) ${f1(end.hwmMiB)} MiB = ${f0(end.hwmMiB * 1.048576)} MB (goal ≤ ${GOAL_MB} MB): ${end.hwmMiB * 1.048576 <= GOAL_MB ? 'met' : 'NOT MET'}`);
  const { put, get } = s.stalled;
  out(`   far side reading nothing for ${STALL_MS / 1000} s (${STALL_MIB} MiB transfers): PUT with the upstream stalled: proxy VmRSS ${f1(put.rssBeforeMiB)} -> ${f1(put.rssStalledMiB)} MiB,`);
  out(`   the client had handed ${put.clientSentMiB} of ${STALL_MIB} MiB to its connection; GET with the client stalled: proxy VmRSS ${f1(get.rssBeforeMiB)} -> ${f1(get.rssStalledMiB)} MiB;`);
  out(`   both then completed intact: ${put.intact && get.intact ? 'yes' : 'NO'}. A ${HASHED_MIB} MiB PUT signed with its body's SHA-256 (not UNSIGNED-PAYLOAD), which`);
  out(`   the proxy reads whole to check before it signs: proxy VmRSS ${f1(s.hashed.rssBeforeMiB)} -> peak ${f1(s.hashed.peakRssMiB ?? Number.NaN)} MiB, intact: ${s.hashed.intact ? 'yes' : 'NO'}.`);
  out(`   Upstream: ${s.upstream.verified} requests signed with the real key, ${s.upstream.refused} not${s.upstream.firstFailure ? ` (${s.upstream.firstFailure})` : ''}`);
  out();
  const { direct, proxied } = s.trickle;
  out(`8b. A trickled response: ${TRICKLE.chunks} chunks of ${TRICKLE.bytes} bytes ${TRICKLE.intervalMs} ms apart, chunked (the shape of Bedrock's`);
  out('    InvokeModelWithResponseStream), ms from the request on an open connection');
  out(
    table(
      ['', 'direct', 'via proxy'],
      [
        ['response headers', f1(direct.headersMs), f1(proxied.headersMs)],
        ['first byte', f1(direct.firstByteMs), f1(proxied.firstByteMs)],
        ['last byte', f1(direct.lastByteMs), f1(proxied.lastByteMs)],
        ['reads that brought data', String(direct.reads), String(proxied.reads)],
      ],
    ),
  );
  out('   (8) Client, proxy and upstream share two CPUs: a proxied transfer has a TLS hop more to encrypt and decrypt on the');
  out('   same cores, so read the ratio, not MiB/s, and "proxy CPU per GiB" for what the proxy itself costs; "other processes\'');
  out('   CPU" (% of one core, direct / proxied) above a few % means the machine was shared and the ratio is noise. A stalled far side');
  out('   showing a few MiB of growth and a client that could hand over only socket-buffer-sized data means backpressure');
  out('   holds end to end; the proxy buffering the body would show up as hundreds of MiB. (8b) A first byte within');
  out('   milliseconds, long before the last, and one read per chunk mean chunks are relayed as they come. It is the proxy\'s');
  out('   second Bedrock call: the first, untimed, loads that service\'s model and mints the host\'s certificate.');
  out();
}
