import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { Drain } from '../../../src/pipeline/intercept/drain.js';

const response = () => Object.assign(new EventEmitter(), { shouldKeepAlive: true }) as unknown as ServerResponse & EventEmitter;

describe('Drain', () => {
  it('counts requests until their responses close, and runs each handler', () => {
    const drain = new Drain();
    const first = response();
    expect(drain.track(first, () => 'handled')).toBe('handled');
    drain.track(response(), () => undefined);
    expect(drain.inFlight).toBe(2);
    first.emit('close');
    expect(drain.inFlight).toBe(1);
  });

  it('resolves at once with nothing under way', async () => {
    await expect(new Drain().start(60_000)).resolves.toBeUndefined();
  });

  it('resolves when the last request finishes, before the limit', async () => {
    const drain = new Drain();
    const res = response();
    drain.track(res, () => undefined);
    let done = false;
    const drained = drain.start(60_000).then(() => (done = true));
    await new Promise((wake) => setTimeout(wake, 20));
    expect(done).toBe(false);
    res.emit('close');
    await drained;
    expect(done).toBe(true);
  });

  it('resolves at the limit when a request never finishes', async () => {
    const drain = new Drain();
    drain.track(response(), () => undefined);
    const started = Date.now();
    await drain.start(50);
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
    expect(drain.inFlight).toBe(1);
  });

  it('once draining, new answers close their connection', () => {
    const drain = new Drain();
    void drain.start(10);
    const late = response();
    drain.track(late, () => undefined);
    expect(late.shouldKeepAlive).toBe(false);
  });
});
