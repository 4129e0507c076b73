// http/pipeline.ts: app-wide middlewares as one Express layer and routers entered by their paths' first
// segment must answer every request exactly as the same handlers in Express's own stack would.
import express, { Router, type ErrorRequestHandler, type RequestHandler } from 'express';
import supertest from 'supertest';
import { bySegment, mounted, pipeline } from '../../src/http/pipeline.js';

/** An app around one handler: each step it passes is noted in the X-Steps header, errors answer 500 with their message. */
function appWith(handler: RequestHandler) {
  const app = express();
  app.use((_req, res, next) => {
    res.locals.steps = [];
    next();
  });
  app.use(handler);
  app.use((_req, res) => {
    res.status(404).set('X-Steps', res.locals.steps.join(',')).send('not found');
  });
  const onError: ErrorRequestHandler = (error, _req, res, _next) => {
    res
      .status(500)
      .set('X-Steps', res.locals.steps.join(','))
      .send(error instanceof Error ? error.message : String(error));
  };
  app.use(onError);
  return supertest(app);
}
const step =
  (name: string): RequestHandler =>
  (_req, res, next) => {
    res.locals.steps.push(name);
    next();
  };

describe('pipeline', () => {
  it('runs its middlewares in order, then goes on to the next layer', async () => {
    const answer = await appWith(pipeline(step('a'), step('b'), step('c'))).get('/anything');
    expect(answer.status).toBe(404);
    expect(answer.headers['x-steps']).toBe('a,b,c');
  });

  it('stops where a middleware answers', async () => {
    const answer = await appWith(pipeline(step('a'), (_req, res) => void res.send('answered'), step('never'))).get('/');
    expect(answer.text).toBe('answered');
  });

  it.each<[string, RequestHandler]>([
    [
      'thrown',
      () => {
        throw new Error('thrown here');
      },
    ],
    [
      'rejected',
      async () => {
        await Promise.resolve();
        throw new Error('rejected here');
      },
    ],
    ['passed to next', (_req, _res, next) => next(new Error('passed to next here'))],
  ])('hands an error %s to the error handler, skipping the rest', async (name, failing) => {
    const answer = await appWith(pipeline(step('a'), failing, step('never'))).get('/');
    expect(answer.status).toBe(500);
    expect(answer.text).toBe(`${name} here`);
    expect(answer.headers['x-steps']).toBe('a');
  });

  it("treats next('route') as going on and next('router') as leaving, as Express does", async () => {
    const goesOn = await appWith(pipeline(step('a'), (_req, _res, next) => next('route'), step('b'))).get('/');
    expect(goesOn.headers['x-steps']).toBe('a,b');
    const outer = Router();
    outer.use(pipeline(step('a'), (_req, _res, next) => next('router'), step('never')));
    outer.use(step('never either'));
    const leaves = await appWith(pipeline(outer, step('after the router'))).get('/');
    expect(leaves.headers['x-steps']).toBe('a,after the router');
  });
});

describe('bySegment', () => {
  const pages = Router();
  pages.get('/signin/choose', (_req, res) => void res.send('choose'));
  pages.post('/language', (_req, res) => void res.send('language'));
  const signIn = Router();
  signIn.get('/', (_req, res) => void res.send(`sign-in page at ${_req.baseUrl}`));
  signIn.get('/code', (_req, res) => void res.send('code page'));
  const catchAll = Router();
  catchAll.get('/', (_req, res) => void res.send('home'));
  catchAll.get('/:page', (_req, res) => void res.send(`page ${_req.params.page}`));
  const app = () => appWith(bySegment(mounted('/signin', signIn), pages, catchAll));

  it('sends each path to the routers whose routes start with its first segment, in their order', async () => {
    expect((await app().get('/signin')).text).toBe('sign-in page at /signin');
    expect((await app().get('/signin/code')).text).toBe('code page');
    // Not in the mounted router: on to the next that knows the segment.
    expect((await app().get('/signin/choose')).text).toBe('choose');
    expect((await app().post('/language')).text).toBe('language');
    expect((await app().get('/')).text).toBe('home');
  });

  it('matches the segment in any case, as Express matches routes', async () => {
    expect((await app().get('/SIGNIN/Code')).text).toBe('code page');
    expect((await app().get('/Signin/choose')).text).toBe('choose');
  });

  it('enters a router with a parameter or a middleware for every path, and falls through when none answers', async () => {
    expect((await app().get('/terms')).text).toBe('page terms');
    // Known segment, no route of its own: the routers answering any path still get it.
    expect((await app().get('/language')).text).toBe('page language');
    const nothing = await app().get('/signin/nothing/here');
    expect(nothing.status).toBe(404);
  });

  it("runs a router's own middleware for every path, as Express does", async () => {
    const withMiddleware = Router();
    withMiddleware.get('/own', (_req, res) => void res.send('own'));
    withMiddleware.use(step('its middleware'));
    const answers = appWith(bySegment(withMiddleware, pages));
    expect((await answers.get('/own')).text).toBe('own');
    expect((await answers.get('/elsewhere')).headers['x-steps']).toBe('its middleware');
    expect((await answers.post('/language')).text).toBe('language');
  });
});
