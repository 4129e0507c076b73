// The two session cookies: clients and technicians have separate sessions, so a technician testing a
// client's link in the same browser stays signed in to the console as themselves.
export const PORTAL_COOKIE = 'portico.sid';
export const ADMIN_COOKIE = 'portico.admin.sid';
