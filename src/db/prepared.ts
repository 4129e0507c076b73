// Named prepared statements, for the queries nearly every request runs. PostgreSQL parses and plans a
// named statement once per connection and then reuses the plan, where an unnamed one is planned on
// every run: the signed-in page's one query (seven relations) took 0.66 ms to plan and 0.11 ms to run,
// and at about 1000 pages/s planning was most of the CPU PostgreSQL used, on the cores the app shares
// (README, "Where the time goes"). A name stands for one SQL text: pg refuses a name used again with
// another text ("Prepared statements must be unique"), so a query whose text depends on its input
// carries that input in its name (current_contact, current_staff). The embedded database (PGlite)
// ignores the name. Behind PgBouncer in transaction mode, named statements need PgBouncer 1.21 or
// later with max_prepared_statements set (README, Running in production).
export const prepared = (name: string) => ({ name: `portico_${name}` });
