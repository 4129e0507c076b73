// Fewer Express layers per request. Express walks its stack layer by layer for every request, matching
// each layer's path and each route's pattern in turn; measured on this machine (issue 18), 25 app-wide
// middlewares and ten routers cost a bare "hello" half its throughput before any of Portico's own work.
// Two helpers keep the behaviour and drop that walk:
//   pipeline(...)        app-wide middlewares as one layer, run in order, with Express 5's semantics
//                        (a throw or a rejected promise goes to the error handler, next(err) too)
//   bySegment(...)       routers entered only for paths whose first segment one of their routes starts
//                        with, read off the routers' own routes, so a new route needs no registration
import { Router, type NextFunction, type Request, type RequestHandler, type Response } from 'express';

/** Runs one handler as Express 5 would: what it throws or rejects with reaches next as an error. */
function invoke(handler: RequestHandler, req: Request, res: Response, next: NextFunction): void {
  let returned: unknown;
  try {
    returned = handler(req, res, next);
  } catch (error) {
    return next(error);
  }
  if (returned instanceof Promise) returned.then(undefined, (error: unknown) => next(error ?? new Error('Rejected promise')));
}

/** Middlewares in order as one Express layer. As among Express's own layers, next('route') goes on to the
 * next one and next('router') leaves the router the pipeline is in. */
export function pipeline(...handlers: RequestHandler[]): RequestHandler {
  return (req, res, done) => {
    let index = 0;
    const step: NextFunction = (error?: unknown) => {
      if (error && error !== 'route') return done(error);
      const handler = handlers[index++];
      if (!handler) return done();
      invoke(handler, req, res, step);
    };
    step();
  };
}

interface RouteLayer {
  route?: { path: unknown };
}
/** An Express Router as this file reads it: a handler with its layers. */
type Routes = RequestHandler & { stack: RouteLayer[] };

/** A router mounted under a path, as app.use(path, router) mounts it, for bySegment. */
interface Mounted {
  segment: string;
  handler: RequestHandler;
}

const ANY = Symbol('any segment');

// The first segment of a path as Express matches it (case-insensitively): "/signin/code" → "signin", "/" → "".
const firstSegment = (path: string) => {
  const end = path.indexOf('/', 1);
  return (end === -1 ? path.slice(1) : path.slice(1, end)).toLowerCase();
};

/** The first segments a router answers: ANY when one of its layers is not a route with a literal path (router.use, a parameter). */
function segmentsOf(router: Routes): Set<string | typeof ANY> {
  const segments = new Set<string | typeof ANY>();
  for (const layer of router.stack) {
    const path = layer.route?.path;
    const segment = typeof path === 'string' && path.startsWith('/') ? firstSegment(path) : undefined;
    segments.add(segment === undefined || /[:*?(){}[\]]/.test(segment) ? ANY : segment);
  }
  return segments;
}

/**
 * Routers in order as one Express layer; a request goes through those that can answer its path's first
 * segment (and those that answer any), in their order. What the others would have done with it is
 * nothing: none of their routes matches it.
 */
export function bySegment(...routers: Array<Routes | Mounted>): RequestHandler {
  const entries = routers.map((router) =>
    'segment' in router
      ? { handler: router.handler, segments: new Set<string | typeof ANY>([router.segment.toLowerCase()]) }
      : { handler: router as RequestHandler, segments: segmentsOf(router) },
  );
  const forAny = entries.filter((entry) => entry.segments.has(ANY)).map((entry) => entry.handler);
  const known = new Set(entries.flatMap((entry) => [...entry.segments].filter((s): s is string => s !== ANY)));
  const answering = (segment: string) => entries.filter((e) => e.segments.has(segment) || e.segments.has(ANY)).map((e) => e.handler);
  const routes = new Map([...known].map((segment) => [segment, pipeline(...answering(segment))]));
  const others = pipeline(...forAny);
  return (req, res, next) => (routes.get(firstSegment(req.path)) ?? others)(req, res, next);
}

/** `router` under `path` (its routes see paths relative to it, as with app.use(path, router)), for bySegment. */
export function mounted(path: string, router: RequestHandler): Mounted {
  const handler = Router();
  handler.use(path, router);
  return { segment: firstSegment(path), handler };
}
