// The cloud API host. ConnectWise's cloud sites are served on <region>.myconnectwise.net for people and on
// api-<region>.myconnectwise.net for the API (Cloud Elements' ConnectWise REST authentication page: "the
// url of your ConnectWise site with api- appended"; api-na, api-eu, api-au). amp-labs/connectors' recorded
// sandbox answers the API on sandbox-na.myconnectwise.net without the prefix, so whether a host without it
// refuses, redirects or serves API calls is not settled: the connection test warns, it does not fail.

/** A warning for a *.myconnectwise.net host without the api- prefix, else undefined. */
export function cloudHostWarning(url: string): string | undefined {
  let host: string;
  try {
    host = new URL(url).hostname.toLowerCase();
  } catch {
    return undefined;
  }
  if (!host.endsWith('.myconnectwise.net') || host.startsWith('api-')) return undefined;
  return (
    `CONNECTWISE_URL's host ${host} lacks the api- prefix ConnectWise documents for its cloud API (e.g. api-${host}); ` +
    'if requests fail or are redirected, use that host'
  );
}
