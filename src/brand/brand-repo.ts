// The one owner of brand_assets (uploaded logos, keyed by the sha256 of their bytes) and company_brands
// (a company's own logo and accent colour). Every method takes an optional handle for a caller's transaction.
import type { Db } from '../db/index.js';
import { prepared } from '../db/prepared.js';
import type { Logo } from './logo.js';

export interface BrandAssetRow {
  sha256: string;
  content_type: string;
  bytes: Buffer;
  byte_size: number;
  created_at: Date;
}

/** A company's brand overrides with the stored logo's type (null: the MSP's is used). */
export interface CompanyBrandRow {
  company_id: number;
  logo_sha256: string | null;
  logo_type: string | null;
  accent_color: string | null;
}

/** What a company's pages and mails show: its own portal name (null: the MSP's) and brand overrides. */
export interface CompanyLookRow {
  portal_name: string | null;
  logo_sha256: string | null;
  logo_type: string | null;
  accent_color: string | null;
}

export interface BrandRepository {
  /** Stores the logo once (same bytes, same row). */
  putAsset(logo: Logo, db?: Db): Promise<void>;
  getAsset(sha256: string, db?: Db): Promise<BrandAssetRow | undefined>;
  getCompanyBrand(companyId: number, db?: Db): Promise<CompanyBrandRow | undefined>;
  /** The company's portal name and brand overrides in one query (every page of a signed-in client needs them). */
  companyLook(companyId: number, db?: Db): Promise<CompanyLookRow | undefined>;
  setCompanyBrand(companyId: number, brand: { logo_sha256: string | null; accent_color: string | null }, db?: Db): Promise<void>;
  /** Deletes assets no setting or company refers to any more (keep: the MSP's current logo). */
  pruneAssets(keep: string | null, db?: Db): Promise<void>;
}

export function createBrandRepository(deps: { db: Db }): BrandRepository {
  return {
    async putAsset(logo, db = deps.db) {
      await db('brand_assets')
        .insert({ sha256: logo.sha256, content_type: logo.contentType, bytes: logo.bytes, byte_size: logo.bytes.length })
        .onConflict('sha256')
        .ignore();
    },
    async getAsset(sha256, db = deps.db) {
      const row = await db('brand_assets').where({ sha256 }).first();
      return row ? { ...row, bytes: Buffer.from(row.bytes) } : undefined;
    },
    async companyLook(companyId, db = deps.db) {
      // companies belongs to the directory; this reads its portal name only, beside the brand it owns.
      return db('companies')
        .leftJoin('company_brands', 'company_brands.company_id', 'companies.id')
        .leftJoin('brand_assets', 'brand_assets.sha256', 'company_brands.logo_sha256')
        .where('companies.id', companyId)
        .options(prepared('company_look')) // every sign-in mail's brand (db/prepared.ts)
        .first('companies.portal_name', 'company_brands.logo_sha256', 'brand_assets.content_type as logo_type', 'company_brands.accent_color');
    },

    async getCompanyBrand(companyId, db = deps.db) {
      return db('company_brands')
        .leftJoin('brand_assets', 'brand_assets.sha256', 'company_brands.logo_sha256')
        .where('company_brands.company_id', companyId)
        .first('company_brands.company_id', 'company_brands.logo_sha256', 'brand_assets.content_type as logo_type', 'company_brands.accent_color');
    },
    async setCompanyBrand(companyId, brand, db = deps.db) {
      await db('company_brands')
        .insert({ company_id: companyId, ...brand, updated_at: db.fn.now() })
        .onConflict('company_id')
        .merge();
    },
    async pruneAssets(keep, db = deps.db) {
      await db('brand_assets')
        .whereNotIn('sha256', db('company_brands').whereNotNull('logo_sha256').select('logo_sha256'))
        .modify((q) => (keep ? q.whereNot({ sha256: keep }) : q))
        .delete();
    },
  };
}
