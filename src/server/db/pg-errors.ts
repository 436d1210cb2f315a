/** What PostgreSQL's errors mean to Keel, read the same from postgres.js and PGlite. */

/**
 * A unique violation (SQLSTATE 23505), on the error itself or on a cause drizzle wrapped it in; when
 * `constraint` is named, only a violation of that constraint.
 */
export function isUniqueViolation(err: unknown, constraint?: string): boolean {
  for (let e = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const pg = e as { code?: unknown; constraint_name?: unknown };
    if (pg.code === '23505') return constraint === undefined || pg.constraint_name === constraint;
  }
  return false;
}
