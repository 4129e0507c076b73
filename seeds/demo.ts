// Demo data: Contoso with five contacts, Fabrikam with one, and the Mail Token settings row.
// Idempotent: running it twice changes nothing.
import type { Knex } from 'knex';
import type { SettingsService } from '../src/settings/service.js';

const companies = [
  {
    name: 'Contoso',
    domain: 'contoso.example',
    contacts: [
      ['Alex', 'Wilber'],
      ['Megan', 'Bowen'],
      ['Lee', 'Gu'],
      ['Adele', 'Vance'],
      ['Diego', 'Siciliani'],
    ],
  },
  { name: 'Fabrikam', domain: 'fabrikam.example', contacts: [['Nestor', 'Wilke']] },
];

export async function seedDemo(db: Knex, settings: SettingsService): Promise<void> {
  await db.transaction(async (trx) => {
    for (const company of companies) {
      const row = await trx('company_domains').where({ domain: company.domain }).first('company_id');
      let companyId = row?.company_id as number | undefined;
      if (!companyId) {
        [{ id: companyId }] = await trx('companies').insert({ name: company.name }).returning('id');
        await trx('company_domains').insert({ company_id: companyId, domain: company.domain });
      }
      for (const [first, last] of company.contacts) {
        await trx('contacts')
          .insert({ company_id: companyId, email: `${first!.toLowerCase()}@${company.domain}`, first_name: first, last_name: last, status: 'active' })
          .onConflict(['company_id', 'email'])
          .ignore();
      }
    }
    // Writes the defaults once, so the console shows stored values; a technician's edits are kept.
    const stored = await trx('settings').where({ key: 'mail_token' }).first();
    if (!stored) await settings.set('mail_token', await settings.get('mail_token', trx), null, trx);
  });
}
