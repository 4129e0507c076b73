// oidc-provider ships no type declarations; the test provider uses a small part of it.
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http';
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  type Any = any;
  export default class Provider {
    constructor(issuer: string, configuration: Record<string, Any>);
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
    interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<{ uid: string; prompt: { name: string }; session?: { accountId: string } }>;
    interactionFinished(req: IncomingMessage, res: ServerResponse, result: Record<string, Any>, options?: { mergeWithLastSubmission?: boolean }): Promise<void>;
    Grant: new (init: { accountId: string; clientId: string }) => { addOIDCScope(scope: string): void; save(): Promise<string> };
  }
}
