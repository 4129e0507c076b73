// The console's front page: a few counts and the latest sign-ins. Each figure is asked of the module
// that owns its table, so the dashboard needs no SQL of its own.
import type { AuditRow, AuditService } from '../audit/service.js';
import type { CompanyService } from '../directory/companies.js';
import type { ContactRepository } from '../directory/contacts-repo.js';
import type { OutboxAdmin } from '../mail/outbox-admin.js';

export interface DashboardSummary {
  /** contacts: usable ones only (a disabled contact is no longer a client of the portal). */
  /** logged: mail only written to the server log (no SMTP_URL), so never delivered. */
  counts: { companies: number; contacts: number; waiting: number; logged: number };
  recentSignIns: AuditRow[];
}

export interface Dashboard {
  summary(): Promise<DashboardSummary>;
}

export function createDashboard(deps: { companies: CompanyService; contactRepo: ContactRepository; outboxAdmin: OutboxAdmin; audit: AuditService }): Dashboard {
  return {
    async summary() {
      const [companies, contacts, waiting, logged, recent] = await Promise.all([
        deps.companies.count(),
        deps.contactRepo.countUsable(),
        deps.outboxAdmin.waitingCount(),
        deps.outboxAdmin.loggedCount(),
        deps.audit.list({ action: 'signin.success', pageSize: 10 }),
      ]);
      return { counts: { companies, contacts, waiting, logged }, recentSignIns: recent.items };
    },
  };
}
