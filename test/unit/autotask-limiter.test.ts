// The per-endpoint cap that keeps Portico under Autotask's thread limit (three per endpoint and integration code).
import { createEndpointLimiter, endpointsOf } from '../../src/psa/autotask/limiter.js';

describe('endpointsOf', () => {
  it('names the entity of a path, relative or absolute, and both entities of a child collection', () => {
    expect(endpointsOf('/Contacts/query')).toEqual(['contacts']);
    expect(endpointsOf('https://webservices5.autotask.net/ATServicesRest/V1.0/Companies/query/next?paging=x')).toEqual(['companies']);
    expect(endpointsOf('/Companies/10/Contacts')).toEqual(['companies', 'contacts']);
    expect(endpointsOf('/Contacts/entityInformation/fields')).toEqual(['contacts']);
  });
});

describe('createEndpointLimiter', () => {
  const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

  it('runs at most N tasks per endpoint at once, and tasks on other endpoints alongside', async () => {
    const limiter = createEndpointLimiter(2);
    const active: Record<string, number> = {};
    const peak: Record<string, number> = {};
    const task = (key: string) =>
      limiter.run([key], async () => {
        active[key] = (active[key] ?? 0) + 1;
        peak[key] = Math.max(peak[key] ?? 0, active[key]);
        await tick();
        active[key]--;
      });
    await Promise.all([...Array.from({ length: 5 }, () => task('contacts')), ...Array.from({ length: 3 }, () => task('companies'))]);
    expect(peak).toEqual({ contacts: 2, companies: 2 });
  });

  it('frees the slot when a task fails, and never deadlocks tasks holding two endpoints', async () => {
    const limiter = createEndpointLimiter(1);
    await expect(limiter.run(['contacts'], () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    const order: string[] = [];
    await Promise.all([
      limiter.run(['contacts', 'companies'], async () => {
        await tick();
        order.push('both');
      }),
      limiter.run(['companies', 'contacts'], async () => {
        order.push('both again');
      }),
      limiter.run(['contacts'], async () => {
        order.push('contacts');
      }),
    ]);
    expect(order).toHaveLength(3);
  });
});
