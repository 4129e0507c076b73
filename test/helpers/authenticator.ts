// A software passkey authenticator, as a platform authenticator answers the browser's WebAuthn calls.
// Source: W3C Web Authentication Level 3 (https://www.w3.org/TR/webauthn-3/): §5.8.1 client data
// (type, challenge, origin, crossOrigin), §6.1 authenticator data (rpIdHash, flags UP 0x01, UV 0x04,
// BE 0x08, BS 0x10, AT 0x40, signCount big-endian, attested credential data: aaguid, credential id
// length, id, COSE key), §6.5.2 attestation object (fmt, attStmt, authData), §8.7 "none" attestation,
// §6.3.3 authenticatorGetAssertion (signature over authData || SHA-256(clientDataJSON)); RFC 9053 §7.1
// and RFC 8152 §13.1.1 for the EC2 COSE key (kty 2, alg -7 ES256, crv 1 P-256, x, y). The JSON shapes are
// the ones PublicKeyCredential.toJSON() gives (WebAuthn L3 §5.1.8/§5.1.9). CBOR is written with the
// encoder @simplewebauthn/server ships (isoCBOR), so nothing of our own decides the bytes' format.
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { isoCBOR } from '@simplewebauthn/server/helpers';

interface StoredCredential {
  id: Buffer;
  privateKey: KeyObject;
  publicKey: KeyObject;
  rpId: string;
  userHandle: string;
  counter: number;
}

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest();
const b64 = (data: Buffer) => data.toString('base64url');

export interface AuthenticatorOptions {
  /** How much the signature counter grows per use; 0: an authenticator without a counter (synced passkeys). */
  counterStep?: number;
  /** Backup eligible and backed up (a synced passkey). */
  synced?: boolean;
  /** Whether it verifies the user (biometrics / PIN). */
  userVerification?: boolean;
}

export class SoftAuthenticator {
  readonly credentials: StoredCredential[] = [];
  private readonly counterStep: number;
  private readonly synced: boolean;
  private readonly userVerification: boolean;

  constructor(options: AuthenticatorOptions = {}) {
    this.counterStep = options.counterStep ?? 1;
    this.synced = options.synced ?? false;
    this.userVerification = options.userVerification ?? true;
  }

  private flags(attested: boolean): number {
    let flags = 0x01; // user present
    if (this.userVerification) flags |= 0x04;
    if (this.synced) flags |= 0x08 | 0x10;
    if (attested) flags |= 0x40;
    return flags;
  }

  private authData(rpId: string, counter: number, attested?: { id: Buffer; publicKey: KeyObject }): Buffer {
    const head = Buffer.alloc(37);
    sha256(rpId).copy(head, 0);
    head[32] = this.flags(Boolean(attested));
    head.writeUInt32BE(counter, 33);
    if (!attested) return head;
    const jwk = attested.publicKey.export({ format: 'jwk' });
    const coseKey = new Map<number, number | Uint8Array>([
      [1, 2],
      [3, -7],
      [-1, 1],
      [-2, Buffer.from(jwk.x!, 'base64url')],
      [-3, Buffer.from(jwk.y!, 'base64url')],
    ]);
    const idLength = Buffer.alloc(2);
    idLength.writeUInt16BE(attested.id.length);
    return Buffer.concat([head, Buffer.alloc(16), idLength, attested.id, Buffer.from(isoCBOR.encode(coseKey))]);
  }

  private clientData(type: 'webauthn.create' | 'webauthn.get', challenge: string, origin: string): Buffer {
    return Buffer.from(JSON.stringify({ type, challenge, origin, crossOrigin: false }));
  }

  /** navigator.credentials.create() with these options, from a page of `origin`. */
  create(options: PublicKeyCredentialCreationOptionsJSON, origin: string): RegistrationResponseJSON {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const id = randomBytes(16);
    const rpId = options.rp.id ?? new URL(origin).hostname;
    const credential = { id, privateKey, publicKey, rpId, userHandle: options.user.id, counter: 0 };
    // Resident key: a new credential for the same user on this authenticator replaces the old one.
    const same = this.credentials.findIndex((c) => c.rpId === rpId && c.userHandle === options.user.id);
    if (same >= 0) this.credentials.splice(same, 1);
    this.credentials.push(credential);
    const attestationObject = isoCBOR.encode(
      new Map<string, string | Map<string, never> | Uint8Array>([
        ['fmt', 'none'],
        ['attStmt', new Map<string, never>()],
        ['authData', this.authData(rpId, 0, { id, publicKey })],
      ]),
    );
    return {
      id: b64(id),
      rawId: b64(id),
      type: 'public-key',
      response: {
        clientDataJSON: b64(this.clientData('webauthn.create', options.challenge, origin)),
        attestationObject: b64(Buffer.from(attestationObject)),
        transports: ['internal'],
      },
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
    };
  }

  /** navigator.credentials.get() with these options: signs with `credential` (default: the newest for the RP). */
  get(options: PublicKeyCredentialRequestOptionsJSON, origin: string, pick?: { credentialId?: string; counter?: number }): AuthenticationResponseJSON {
    const rpId = options.rpId ?? new URL(origin).hostname;
    const candidates = this.credentials.filter((c) => c.rpId === rpId);
    const credential = pick?.credentialId ? candidates.find((c) => b64(c.id) === pick.credentialId) : candidates.at(-1);
    if (!credential) throw new Error(`no passkey for ${rpId} on this authenticator`);
    credential.counter = pick?.counter ?? credential.counter + this.counterStep;
    const authData = this.authData(rpId, credential.counter);
    const clientData = this.clientData('webauthn.get', options.challenge, origin);
    const signature = sign('sha256', Buffer.concat([authData, sha256(clientData)]), credential.privateKey);
    return {
      id: b64(credential.id),
      rawId: b64(credential.id),
      type: 'public-key',
      response: {
        clientDataJSON: b64(clientData),
        authenticatorData: b64(authData),
        signature: b64(signature),
        userHandle: credential.userHandle,
      },
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
    };
  }
}
