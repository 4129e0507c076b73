// The bench and the drill look at the app's processes the way Linux lists them.
import { readdirSync, readFileSync } from 'node:fs';

const read = (pid: number | string, file: string) => {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'utf8');
  } catch {
    return undefined; // gone meanwhile
  }
};

/** The processes whose parent is pid. */
export function childrenOf(pid: number): number[] {
  return (
    readdirSync('/proc')
      .filter((entry) => /^\d+$/.test(entry))
      // /proc/<pid>/stat: "pid (name) state ppid …"; the name may hold spaces, so split after ")".
      .filter((entry) => Number(read(entry, 'stat')?.split(') ')[1]?.split(' ')[1]) === pid)
      .map(Number)
  );
}

/** A supervisor's HTTP processes: its children running the same script (node:cluster forks it
 * again), not helpers such as the esbuild service that tsx starts. */
export function httpProcessesOf(pid: number): number[] {
  const script = (pid: number | string) => read(pid, 'cmdline')?.split('\0').filter(Boolean).pop()?.split('/').pop();
  return childrenOf(pid).filter((child) => script(child) === script(pid));
}

/** The processes of this name (as /proc/<pid>/stat gives it, e.g. "postgres": the server and its backends). */
export function processesNamed(name: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry) && read(entry, 'stat')?.includes(` (${name}) `))
    .map(Number);
}

/** CPU time (ms, user + system) these processes have used so far; one gone meanwhile counts nothing. */
export function cpuMsOf(pids: number[]): number {
  return pids.reduce((sum, pid) => {
    const fields = read(pid, 'stat')?.split(') ')[1]?.split(' ');
    return fields ? sum + ((Number(fields[11]) + Number(fields[12])) * 1000) / 100 : sum; // utime, stime in clock ticks (100/s)
  }, 0);
}
