// The ceiling for npm run bench: the least an Express app on this machine can do per request.
import express from 'express';

const app = express();
app.disable('x-powered-by');
app.get('/', (_req, res) => {
  res.send('hello');
});
app.listen(Number(process.env.PORT ?? 3999), '127.0.0.1');
