// One-shot messages shown on the next page after an action ("Domain added").
import type { NextFunction, Request, Response } from 'express';

export type FlashKind = 'success' | 'error' | 'info';

export function flash(req: Request, kind: FlashKind, text: string): void {
  (req.session.flash ??= []).push({ kind, text });
}

/** Hands pending messages to the page being rendered, and forgets them. */
export function exposeFlash(req: Request, res: Response, next: NextFunction): void {
  const render = res.render.bind(res);
  res.render = ((view: string, locals?: Record<string, unknown>, callback?: never) => {
    const pending = req.session?.flash;
    if (pending?.length) {
      res.locals.flashes = pending;
      delete req.session.flash;
    }
    return render(view, locals ?? {}, callback);
  }) as typeof res.render;
  next();
}
