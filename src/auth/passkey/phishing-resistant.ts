// The sign-in methods a phishing site cannot relay: a passkey (bound to this site's origin by the
// browser) and Microsoft (its own phishing-resistant policies). The staff rule "sign in with a
// phishing-resistant method" (the passkeys setting staffPhishingResistant) counts these.
export const PHISHING_RESISTANT_METHODS: readonly string[] = ['passkey', 'microsoft'];

export const isPhishingResistant = (method: string | undefined): boolean => method !== undefined && PHISHING_RESISTANT_METHODS.includes(method);
