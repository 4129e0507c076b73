// User API keys (admin only): create (the key is shown once, on the answer to the form), list with
// last use, revoke. The API itself is src/api.
import { Router, type Response } from 'express';
import type { ApiKeyService } from '../api/keys.js';
import { flash } from '../http/flash.js';
import { handleForm } from '../http/forms.js';
import { parseInput } from '../http/validate.js';
import { confirmFirst } from './confirm.js';
import { keptValues } from './kept-form.js';
import { actorOf, idParam } from './guard.js';
import { apiKeySchema } from './schemas.js';

export function apiKeyRoutes(deps: { apiKeys: ApiKeyService }): Router {
  const router = Router();
  const { apiKeys } = deps;

  const render = async (res: Response, locals: Record<string, unknown> = {}) =>
    res.render('admin/api-keys', { title: 'API keys', keys: await apiKeys.list(), values: { name: '' }, errors: {}, created: undefined, ...locals });

  // A key being created when a sign-in again was needed comes back with its name (kept-form.ts).
  router.get('/', (_req, res) => render(res, { values: { name: '', ...keptValues(res, '/admin/api-keys') } }));

  router.post('/', async (req, res) => {
    await handleForm(
      res,
      async () => {
        const { name } = parseInput(apiKeySchema, req.body);
        const { key, secret } = await apiKeys.create(name, actorOf(req, res));
        // The only time the key exists outside the client: keep it out of every cache.
        res.set('Cache-Control', 'no-store');
        await render(res, { created: { name: key.name, secret }, notice: `API key "${key.name}" created. Copy it now: it is shown only once.` });
      },
      (errors, message) => render(res, { values: req.body, errors, message }),
    );
  });

  const confirmRevoke = confirmFirst(async (req) => {
    const key = (await apiKeys.list()).find((k) => k.id === idParam(req));
    if (!key || key.revoked_at) return undefined;
    return {
      question: `Revoke the API key "${key.name}"?`,
      consequence: 'Every request with it is refused from then on. This cannot be undone: the integration needs a new key.',
      button: 'Revoke',
      back: '/admin/api-keys',
    };
  });

  router.post('/:id/revoke', confirmRevoke, async (req, res) => {
    const key = await apiKeys.revoke(idParam(req), actorOf(req, res));
    flash(req, 'success', `API key "${key.name}" revoked; requests with it are refused from now on.`);
    res.redirect(303, '/admin/api-keys');
  });

  return router;
}
