// The security headers are read off helmet once (app.ts): they must be exactly what helmet itself sends.
import express from 'express';
import helmet, { type HelmetOptions } from 'helmet';
import supertest from 'supertest';
import { helmetHeaders } from '../../src/app.js';

const sentByHelmet = async (options: HelmetOptions) => {
  const app = express();
  app.disable('x-powered-by');
  app.use(helmet(options));
  app.get('/', (_req, res) => {
    res.send('page');
  });
  const { headers } = await supertest(app).get('/');
  // What any Express answer carries besides helmet's.
  for (const own of ['content-type', 'content-length', 'etag', 'date', 'connection', 'keep-alive']) delete headers[own];
  return headers;
};

it.each([
  ['defaults', {}],
  [
    'a CSP of its own, no HSTS',
    { contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'self'"], imgSrc: ["'self'", 'data:'] } }, strictTransportSecurity: false },
  ],
  ['HSTS and no-referrer', { referrerPolicy: { policy: 'no-referrer' as const }, strictTransportSecurity: true }],
])('reads the same headers off helmet as it sends (%s)', async (_name, options: HelmetOptions) => {
  const read = Object.fromEntries(helmetHeaders(options).map(([name, value]) => [name.toLowerCase(), value]));
  expect(read).toEqual(await sentByHelmet(options));
  expect(Object.keys(read).length).toBeGreaterThan(8);
});
