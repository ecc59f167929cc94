/** bench:sfu's /proc reader agrees with Node's own counters for this process, and names a gone process. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProcessGoneError, cpuBetween, sampleProcess } from '../../bench/proc-stats.ts';

void describe('sampleProcess', { skip: process.platform !== 'linux' && 'reads /proc' }, () => {
  void it('reads the CPU time and RSS Node reports for itself', () => {
    const a = sampleProcess(process.pid);
    const cpu0 = process.cpuUsage();
    let x = 0;
    // Burn at least 200 ms of CPU, as Node counts it.
    while (process.cpuUsage(cpu0).user < 200_000) x += Math.sqrt(x + 1);
    const node = process.cpuUsage(cpu0);
    const b = sampleProcess(process.pid);
    const { cpuUs } = cpuBetween(a, b);
    // /proc counts in 10 ms ticks; Node's counter is exact: they agree within two ticks each side.
    assert.ok(
      Math.abs(cpuUs - (node.user + node.system)) <= 40_000,
      `${cpuUs} vs ${node.user + node.system}`,
    );
    const rss = process.memoryUsage().rss;
    assert.ok(b.rssBytes > rss / 2 && b.rssBytes < rss * 2, `${b.rssBytes} vs ${rss}`);
    assert.ok(x > 0);
  });

  void it('throws ProcessGoneError for a process that does not exist', () => {
    assert.throws(() => sampleProcess(2 ** 30), ProcessGoneError);
  });
});
