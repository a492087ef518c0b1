import { bigint, timestamp, uuid } from 'drizzle-orm/pg-core';
import { newId } from '../ids.ts';

/** Internal primary key: a bigint identity, never shown outside except where Open edX shows integer ids. */
export const id = () => bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity();

/** A public identifier: UUIDv7 made by the application. */
export const publicUuid = () => uuid('uuid').notNull().unique().$defaultFn(newId);

export const timestamps = () => ({
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true })
    .notNull()
    .defaultNow()
    .$onUpdateFn(() => new Date()),
});

/** A bigint foreign key column; the reference is added by the caller. */
export const ref = (name: string) => bigint(name, { mode: 'number' });
