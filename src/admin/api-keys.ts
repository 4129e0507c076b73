// User API keys (admin only): create (the key is shown once, on the answer to the form), list with
// last use, revoke. The API itself is src/api.
import { Router, type Response } from 'express';
import type { ApiKeyService } from '../api/keys.js';
import { flash } from '../http/flash.js';
import { handleForm } from '../http/forms.js';
import { parseInput } from '../http/validate.js';
import { actorOf, idParam } from './guard.js';
import { apiKeySchema } from './schemas.js';

export function apiKeyRoutes(deps: { apiKeys: ApiKeyService }): Router {
  const router = Router();
  const { apiKeys } = deps;

  const render = async (res: Response, locals: Record<string, unknown> = {}) =>
    res.render('admin/api-keys', { title: 'API keys', keys: await apiKeys.list(), values: { name: '' }, errors: {}, created: undefined, ...locals });

  router.get('/', (_req, res) => render(res));

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

  router.post('/:id/revoke', async (req, res) => {
    const key = await apiKeys.revoke(idParam(req), actorOf(req, res));
    flash(req, 'success', `API key "${key.name}" revoked; requests with it are refused from now on.`);
    res.redirect(303, '/admin/api-keys');
  });

  return router;
}
