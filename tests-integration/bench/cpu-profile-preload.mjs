// Preloaded into the proxy by cpu-profile.ts (NODE_OPTIONS=--import <this file>) when BENCH_PROXY_CPU_PROF is
// set: Node 20 refuses --cpu-prof in NODE_OPTIONS. The first SIGUSR2 starts the V8 CPU profiler, the
// second stops it and writes the profile to $BENCH_CPU_PROFILE_OUT, so only the window the benchmark
// chooses is profiled. The in-thread inspector session answers synchronously.
import { renameSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';

const out = process.env.BENCH_CPU_PROFILE_OUT;
if (out) {
  const session = new Session();
  session.connect();
  let running = false;
  process.on('SIGUSR2', () => {
    if (!running) {
      session.post('Profiler.enable');
      session.post('Profiler.setSamplingInterval', { interval: 250 });
      session.post('Profiler.start');
      running = true;
      return;
    }
    running = false;
    session.post('Profiler.stop', (error, result) => {
      if (error) process.stderr.write(`cpu-profile-preload: ${error.message}\n`);
      else {
        // The benchmark waits for this file: it appears only once complete.
        writeFileSync(`${out}.tmp`, JSON.stringify(result.profile));
        renameSync(`${out}.tmp`, out);
      }
    });
  });
}
