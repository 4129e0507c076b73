// Loaded into the app's processes by npm run bench only (node --import, with --expose-gc), never by the
// app itself: on SIGUSR2 a process collects garbage and writes its memory use (process.memoryUsage())
// to BENCH_PROBE_DIR/<pid>.json, or, when BENCH_PROBE_DIR/command says "snapshot", a heap snapshot
// to BENCH_PROBE_DIR/<pid>.heapsnapshot. node:cluster passes the flags on to the HTTP processes.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { writeHeapSnapshot } from 'node:v8';

const dir = process.env.BENCH_PROBE_DIR;
if (dir) {
  process.on('SIGUSR2', () => {
    const commandFile = path.join(dir, 'command');
    const command = existsSync(commandFile) ? readFileSync(commandFile, 'utf8').trim() : 'memory';
    globalThis.gc?.();
    if (command === 'snapshot') {
      writeHeapSnapshot(path.join(dir, `${process.pid}.heapsnapshot.tmp`));
      renameSync(path.join(dir, `${process.pid}.heapsnapshot.tmp`), path.join(dir, `${process.pid}.heapsnapshot`));
      return;
    }
    const file = path.join(dir, `${process.pid}.json`);
    writeFileSync(`${file}.tmp`, JSON.stringify({ ...process.memoryUsage(), at: Date.now() }));
    renameSync(`${file}.tmp`, file); // the bench never reads half a file
  });
}
