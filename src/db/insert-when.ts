// An INSERT of one row that writes it only when a condition holds, for a data-modifying CTE of a larger
// statement (knex's insert() cannot carry a WHERE). The statement sent is the same either way, only the
// bound condition differs: a caller that must do the same work whether or not the row is wanted (the
// email-token request, for an address nobody may receive) builds and sends it alike.
import type { Knex } from 'knex';
import type { Db } from './index.js';

/** `insert into "table" ("a", "b", …) select ?, ?, … where ?`; PostgreSQL types each value by its column
 * (as bare parameters in the select list: do not wrap them in expressions). Unlike knex's insert(), an
 * undefined value is an error, not the column's default: give every column a value (null included). */
export function insertWhen(db: Db, table: string, row: Record<string, Knex.Value>, when: boolean): Knex.Raw {
  const columns = Object.keys(row);
  const list = (placeholder: string) => columns.map(() => placeholder).join(', ');
  return db.raw(`insert into ?? (${list('??')}) select ${list('?')} where ?`, [table, ...columns, ...Object.values(row), when]);
}
