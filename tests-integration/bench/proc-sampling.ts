/** CPU and memory use read from /proc (Linux), to show where the CPU went during a run. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const CLK_TCK = clockTicks();

function clockTicks(): number {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
}

/** utime + stime of a process, in ms of CPU. */
export function cpuMsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields[0] is field 3 (state)
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
}

/** This process's own CPU, in ms. */
export function clientCpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

export interface Memory {
  rssMiB: number;
  hwmMiB: number;
}

export function memoryOf(pid: number): Memory {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
  return { rssMiB: kib('VmRSS') / 1024, hwmMiB: kib('VmHWM') / 1024 };
}

/** Machine-wide CPU time (all CPUs), in ms: processes, kernel interrupt work, hypervisor steal. */
export interface MachineCpu {
  processes: number;
  interrupts: number;
  steal: number;
}

export function machineCpuMs(): MachineCpu {
  const [, ...ticks] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/);
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = ticks.map(Number);
  const ms = (t: number): number => (t * 1000) / CLK_TCK;
  return { processes: ms(user + nice + system), interrupts: ms(irq + softirq), steal: ms(steal) };
}

export function machineCpuMsSince(before: MachineCpu): MachineCpu {
  const now = machineCpuMs();
  return { processes: now.processes - before.processes, interrupts: now.interrupts - before.interrupts, steal: now.steal - before.steal };
}
