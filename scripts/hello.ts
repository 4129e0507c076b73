// The ceiling for npm run bench: the least an Express app on this machine can do per request.
// HELLO_PROCESSES=N runs N of them behind node:cluster, as Portico runs with WEB_CONCURRENCY=N.
import cluster from 'node:cluster';
import express from 'express';

const processes = Number(process.env.HELLO_PROCESSES ?? 1);
if (processes > 1 && cluster.isPrimary) {
  for (let i = 0; i < processes; i++) cluster.fork();
  process.on('SIGTERM', () => {
    for (const worker of Object.values(cluster.workers ?? {})) worker?.kill('SIGTERM');
    process.exit(0);
  });
} else {
  const app = express();
  app.disable('x-powered-by');
  app.get('/', (_req, res) => {
    res.send('hello');
  });
  app.listen(Number(process.env.PORT ?? 3999), '127.0.0.1');
}
