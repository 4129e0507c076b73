// Session middleware for the portal and for the console: separate cookies, one store.
import session, { type Store } from 'express-session';

export interface SessionOptions {
  store: Store;
  secret: string;
  secure: boolean;
}

export function sessionMiddleware(name: string, path: string, options: SessionOptions) {
  return session({
    name,
    store: options.store,
    secret: options.secret,
    resave: false,
    saveUninitialized: false, // no session (and no store write) until a form or a sign-in needs one
    unset: 'destroy',
    proxy: undefined, // follows Express's "trust proxy"
    cookie: {
      path,
      httpOnly: true,
      sameSite: 'lax',
      secure: options.secure,
      // No maxAge: the cookie ends with the browser; the server enforces idle and absolute limits.
    },
  });
}
