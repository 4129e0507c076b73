// The brand a page or a mail shows: the MSP's (the portal name of the Mail Token settings, the brand
// setting's logo, accent colour and support line), with a company's own name, logo and accent colour
// laid over it for that company's contacts. Changes are saved here with their audit event.
import type { AuditService } from '../audit/service.js';
import type { Db } from '../db/index.js';
import type { DirectoryService } from '../directory/service.js';
import { NotFoundError, ValidationError } from '../lib/errors.js';
import { mailTokenSettingsSchema, type BrandSettings } from '../settings/schemas.js';
import type { SettingsService } from '../settings/service.js';
import type { BrandRepository, CompanyLookRow } from './brand-repo.js';
import { accentProblem } from './colors.js';
import { LOGO_EXTENSIONS, logoPath, readLogo, type LogoType } from './logo.js';

export interface Brand {
  name: string;
  logo: { sha256: string; contentType: string; url: string } | null;
  /** #rrggbb, or null for the portal's own blue. */
  accentColor: string | null;
  /** The stylesheet that sets the accent colour (null: none needed). */
  themeUrl: string | null;
  support: { phone: string; address: string; url: string };
  hasSupport: boolean;
  poweredBy: boolean;
}

/** A mail's attachment, as nodemailer takes it (content in base64, so it survives the sealed outbox row). */
export interface MailAttachment {
  filename: string;
  contentType: string;
  cid: string;
  content: string;
  encoding: 'base64';
}

/** What a mail template needs of the brand. */
export interface MailBrand {
  name: string;
  accentColor: string;
  /** "cid:…" of the attached logo; null when there is none or it is an SVG (mail clients do not show SVG). */
  logoSrc: string | null;
  support: Brand['support'];
  hasSupport: boolean;
  poweredBy: boolean;
}

export const DEFAULT_ACCENT = '#1d4ed8';
export const LOGO_CID = 'brand-logo@portal';

export interface SiteBrandInput {
  portalName: string;
  accentColor: string;
  supportPhone: string;
  supportAddress: string;
  supportUrl: string;
  poweredBy: boolean;
  removeLogo: boolean;
}

export interface CompanyBrandInput {
  accentColor: string;
  removeLogo: boolean;
}

type Actor = { staffId: number; ip?: string | null };

export interface BrandService {
  /** The MSP's brand: every page before sign-in, and mails to anyone without a company. */
  site(db?: Db): Promise<Brand>;
  /** A company's brand where it has its own name, logo or colour; the MSP's otherwise. */
  forCompany(companyId: number | null | undefined, db?: Db): Promise<Brand>;
  /** The brand of a mail and its attachments (the logo, inline). */
  forMail(companyId: number | null | undefined, db?: Db): Promise<{ brand: MailBrand; attachments: MailAttachment[] }>;
  asset(sha256: string): Promise<{ bytes: Buffer; contentType: string } | undefined>;
  settings(): Promise<BrandSettings & { portalName: string }>;
  companyOverrides(companyId: number): Promise<{ logo: Brand['logo']; accentColor: string }>;
  saveSite(input: SiteBrandInput, upload: Buffer | undefined, actor: Actor): Promise<void>;
  saveCompany(companyId: number, input: CompanyBrandInput, upload: Buffer | undefined, actor: Actor): Promise<void>;
}

/** The MSP's brand with a company's own portal name, logo and accent where it has them. */
export function companyBrand(base: Brand, own: CompanyLookRow | undefined): Brand {
  const accentColor = own?.accent_color ?? base.accentColor;
  return {
    ...base,
    name: own?.portal_name || base.name,
    logo: logoOf(own?.logo_sha256 ?? null, own?.logo_type ?? null) ?? base.logo,
    accentColor,
    themeUrl: themeUrlOf(accentColor),
  };
}

const logoOf = (sha256: string | null, contentType: string | null): Brand['logo'] =>
  sha256 && contentType ? { sha256, contentType, url: logoPath(sha256, contentType) } : null;
const themeUrlOf = (accent: string | null) => (accent ? `/brand/theme/${accent.slice(1)}.css` : null);

function checkedAccent(value: string): string | null {
  const accent = value.trim().toLowerCase();
  if (!accent) return null;
  const problem = accentProblem(accent);
  if (problem) throw new ValidationError(problem, { accentColor: problem });
  return accent;
}

function checkedSupportUrl(value: string): string {
  const url = value.trim();
  if (!url) return '';
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (!parsed || !['http:', 'https:'].includes(parsed.protocol) || url.length > 300) {
    const reason = 'Enter a web address starting with https://, e.g. https://help.msp.example';
    throw new ValidationError(reason, { supportUrl: reason });
  }
  return parsed.toString();
}

function checkedText(field: string, value: string, max: number): string {
  const text = value.trim();
  if (text.length > max || /[\r\n<>]/.test(text)) {
    const reason = `Use at most ${max} characters, on one line, without < or >`;
    throw new ValidationError(reason, { [field]: reason });
  }
  return text;
}

export function createBrandService(deps: {
  db: Db;
  settings: SettingsService;
  directory: DirectoryService;
  repo: BrandRepository;
  audit: AuditService;
}): BrandService {
  const { db, settings, directory, repo, audit } = deps;

  async function site(database?: Db): Promise<Brand> {
    const [mailToken, brand] = await Promise.all([settings.get('mail_token', database), settings.get('brand', database)]);
    const support = { phone: brand.supportPhone, address: brand.supportAddress, url: brand.supportUrl };
    return {
      name: mailToken.portalName,
      logo: logoOf(brand.logoSha256, brand.logoType),
      accentColor: brand.accentColor,
      themeUrl: themeUrlOf(brand.accentColor),
      support,
      hasSupport: Boolean(support.phone || support.address || support.url),
      poweredBy: brand.poweredBy,
    };
  }

  async function forCompany(companyId: number | null | undefined, database?: Db): Promise<Brand> {
    const base = await site(database);
    if (companyId == null) return base;
    return companyBrand(base, await repo.companyLook(companyId, database));
  }

  async function storeLogo(upload: Buffer | undefined, trx: Db) {
    if (!upload?.length) return undefined;
    const logo = readLogo(upload);
    await repo.putAsset(logo, trx);
    return logo;
  }

  return {
    site,
    forCompany,

    async forMail(companyId, database) {
      const brand = await forCompany(companyId, database);
      const attachments: MailAttachment[] = [];
      // Mail clients (Outlook, Gmail) do not show SVG: such a logo is left out and the name stands alone.
      if (brand.logo && brand.logo.contentType !== 'image/svg+xml') {
        const asset = await repo.getAsset(brand.logo.sha256, database);
        if (asset)
          attachments.push({
            filename: `logo.${LOGO_EXTENSIONS[asset.content_type as LogoType]}`,
            contentType: asset.content_type,
            cid: LOGO_CID,
            content: asset.bytes.toString('base64'),
            encoding: 'base64',
          });
      }
      return {
        brand: {
          name: brand.name,
          accentColor: brand.accentColor ?? DEFAULT_ACCENT,
          logoSrc: attachments.length ? `cid:${LOGO_CID}` : null,
          support: brand.support,
          hasSupport: brand.hasSupport,
          poweredBy: brand.poweredBy,
        },
        attachments,
      };
    },

    async asset(sha256) {
      const row = await repo.getAsset(sha256);
      return row && { bytes: row.bytes, contentType: row.content_type };
    },

    async settings() {
      const [mailToken, brand] = await Promise.all([settings.get('mail_token'), settings.get('brand')]);
      return { ...brand, portalName: mailToken.portalName };
    },

    async companyOverrides(companyId) {
      const own = await repo.getCompanyBrand(companyId);
      return { logo: logoOf(own?.logo_sha256 ?? null, own?.logo_type ?? null), accentColor: own?.accent_color ?? '' };
    },

    async saveSite(input, upload, actor) {
      const portalName = mailTokenSettingsSchema.shape.portalName.safeParse(input.portalName);
      if (!portalName.success) {
        const reason = portalName.error.issues[0]!.message;
        throw new ValidationError(reason, { portalName: reason });
      }
      const accentColor = checkedAccent(input.accentColor);
      const supportUrl = checkedSupportUrl(input.supportUrl);
      const supportPhone = checkedText('supportPhone', input.supportPhone, 40);
      const supportAddress = checkedText('supportAddress', input.supportAddress, 200);
      await db.transaction(async (trx) => {
        const [mailToken, current] = await Promise.all([settings.get('mail_token', trx), settings.get('brand', trx)]);
        const logo = await storeLogo(upload, trx);
        const [logoSha256, logoType] = logo ? [logo.sha256, logo.contentType] : input.removeLogo ? [null, null] : [current.logoSha256, current.logoType];
        await settings.set('mail_token', { ...mailToken, portalName: portalName.data }, actor.staffId, trx);
        await settings.set(
          'brand',
          { logoSha256, logoType, accentColor, supportPhone, supportAddress, supportUrl, poweredBy: input.poweredBy },
          actor.staffId,
          trx,
        );
        await repo.pruneAssets(logoSha256, trx);
        await audit.record(
          {
            action: 'settings.brand_changed',
            actor: { type: 'staff', id: actor.staffId },
            ip: actor.ip,
            detail: { portalName: portalName.data, accentColor, logo: logoSha256, supportPhone, supportAddress, supportUrl, poweredBy: input.poweredBy },
          },
          trx,
        );
      });
    },

    async saveCompany(companyId, input, upload, actor) {
      if ((await directory.companyName(companyId)) === undefined) throw new NotFoundError('This company does not exist.');
      const accentColor = checkedAccent(input.accentColor);
      await db.transaction(async (trx) => {
        const current = await repo.getCompanyBrand(companyId, trx);
        const logo = await storeLogo(upload, trx);
        const logoSha256 = logo ? logo.sha256 : input.removeLogo ? null : (current?.logo_sha256 ?? null);
        await repo.setCompanyBrand(companyId, { logo_sha256: logoSha256, accent_color: accentColor }, trx);
        await repo.pruneAssets((await settings.get('brand', trx)).logoSha256, trx);
        await audit.record(
          {
            action: 'company.brand_changed',
            actor: { type: 'staff', id: actor.staffId },
            ip: actor.ip,
            subject: { type: 'company', id: companyId },
            detail: { accentColor, logo: logoSha256 },
          },
          trx,
        );
      });
    },
  };
}
