// The two audiences and the return-to rule every sign-in method shares.
import type { Request } from 'express';
import { audiences, contactAudience, staffAudience } from '../../src/auth/audience.js';
import { returnToWithin, safeReturnTo, takeReturnTo } from '../../src/auth/return-to.js';

it('models the portal and the console once: paths, home, token purposes, Microsoft prefix', () => {
  expect(contactAudience).toMatchObject({
    kind: 'contact',
    basePath: '/signin',
    home: '/',
    emailToken: { purpose: 'email_token' },
    link: { purpose: 'magic_link', path: '/signin/magic' },
    microsoft: { prefix: '' },
  });
  expect(staffAudience).toMatchObject({
    kind: 'staff',
    basePath: '/admin/signin',
    home: '/admin',
    emailToken: { purpose: 'staff_email_token' },
    link: { purpose: 'staff_link', path: '/admin/signin/link' },
    microsoft: { prefix: '/admin' },
  });
  expect(audiences.contact).toBe(contactAudience);
  expect(audiences.staff).toBe(staffAudience);
});

it('honours only local paths as returnTo', () => {
  expect(safeReturnTo('/sessions?x=1')).toBe('/sessions?x=1');
  for (const bad of ['https://evil.example/', '//evil.example', '/\\evil.example', '/.//evil.example', 'sessions', 42, undefined])
    expect(safeReturnTo(bad)).toBeUndefined();
});

it("follows a returnTo only inside the audience's own area", () => {
  for (const path of ['/admin', '/admin/settings', '/admin?x=1']) {
    expect(returnToWithin(staffAudience, path)).toBe(path);
    expect(returnToWithin(contactAudience, path)).toBe('/');
  }
  for (const path of ['/sessions', '/', '/administrator']) {
    expect(returnToWithin(contactAudience, path)).toBe(path);
    expect(returnToWithin(staffAudience, path)).toBe('/admin');
  }
  // Routing ignores case, so this does too (issue 15): /ADMIN is the console.
  for (const path of ['/ADMIN', '/Admin/settings', '/aDmIn?x=1']) {
    expect(returnToWithin(contactAudience, path)).toBe('/');
    expect(returnToWithin(staffAudience, path)).toBe(path);
  }
  expect(returnToWithin(contactAudience, 'https://evil.example/')).toBe('/');
  expect(returnToWithin(staffAudience, undefined)).toBe('/admin');
});

it('takes the stored returnTo out of the session', () => {
  const req = { session: { returnTo: '/admin/contacts' } } as unknown as Request;
  expect(takeReturnTo(req, staffAudience)).toBe('/admin/contacts');
  expect(req.session.returnTo).toBeUndefined();
  expect(takeReturnTo(req, staffAudience)).toBe('/admin');
});
