/**
 * Columns many tables share, each built by a function so that every table gets a builder of its own:
 * the keys, the timestamps, and the shapes that recur. Which table refers to which is in the table files.
 */
import { sql } from 'drizzle-orm';
import { bigserial, boolean, jsonb, text, timestamp, uuid } from 'drizzle-orm/pg-core';

/** A point in time, always with its time zone. */
export const timestamptz = (name: string) => timestamp(name, { withTimezone: true });

/** A random UUID as the primary key `id`. */
export const uuidId = () => uuid('id').primaryKey().defaultRandom();
/** A sequence as the primary key `id`, read as a number. */
export const serialId = () => bigserial('id', { mode: 'number' }).primaryKey();

export const createdAt = () => timestamptz('created_at').notNull().defaultNow();
export const updatedAt = () =>
  timestamptz('updated_at')
    .notNull()
    .defaultNow()
    .$onUpdate(() => new Date());

/** Whether a catalogue entry (or an endpoint) is in use: true unless switched off. */
export const active = () => boolean('active').notNull().default(true);

/** A JSON object, `{}` unless set. */
export const jsonObject = (name: string) =>
  jsonb(name).$type<Record<string, unknown>>().notNull().default({});

/** A list of text, empty unless set. */
export const textList = (name: string) =>
  text(name)
    .array()
    .notNull()
    .default(sql`'{}'::text[]`);

/** The head of a catalogue table: `id`, a unique `slug` (how files and URLs name it) and its `name`. */
export const catalogueKey = () => ({
  id: uuidId(),
  slug: text('slug').notNull().unique(),
  name: text('name').notNull(),
});
