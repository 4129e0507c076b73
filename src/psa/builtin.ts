// PSA_PROVIDER=builtin (the default) means "no PSA": the portal's own tables are the directory, and
// there is no adapter for them. Why not an adapter: the resolver's first step (a local contact with the
// address) already is the built-in directory, so an adapter over the same tables would only look the
// contact up a second time and "create in the PSA" the row the resolver then inserts itself; when it was
// one, five of its six methods were never called. So without a PSA, `psa` is undefined and every caller
// asks `if (psa)`; the console's connection check counts the companies instead (psa/linking.ts).
export const BUILTIN_PROVIDER = 'builtin';
export const BUILTIN_DISPLAY_NAME = 'Built-in directory';
