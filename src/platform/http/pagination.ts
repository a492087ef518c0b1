import type { FastifyRequest } from 'fastify';
import Type, { type TSchema } from 'typebox';
import { NotFoundError } from '../errors.ts';

/** Page-number pagination as Django REST Framework does it: 20 a page, `?page=N`, past the end is 404. */
export const PAGE_SIZE = 20;

/** The highest page number asked for: a million pages of 20 is more than any list here holds. */
const MAX_PAGE = 1_000_000;
const PAGE_NUMBER = /^[1-9][0-9]{0,6}$/;

/** `?page=`: any text, as in DRF, where one that is not a page number is a 404 like a page past the end. */
export const PageQuery = Type.Object({
  page: Type.Optional(Type.String({ maxLength: 32, description: 'Page number, from 1' })),
});

export const Paginated = <T extends TSchema>(item: T) =>
  Type.Object({
    count: Type.Integer(),
    next: Type.Union([Type.String(), Type.Null()]),
    previous: Type.Union([Type.String(), Type.Null()]),
    results: Type.Array(item),
  });

export interface Page {
  number: number;
  limit: number;
  offset: number;
}

export function pageOf(query: { page?: string }): Page {
  const number = query.page === undefined ? 1 : PAGE_NUMBER.test(query.page) ? Number(query.page) : 0;
  if (number < 1 || number > MAX_PAGE) throw new NotFoundError('Invalid page.');
  return { number, limit: PAGE_SIZE, offset: (number - 1) * PAGE_SIZE };
}

/** The DRF envelope, with absolute `next`/`previous` links that keep the other query parameters. */
export function paginated<T>(request: FastifyRequest, page: Page, count: number, results: T[]) {
  const pages = Math.max(1, Math.ceil(count / page.limit));
  if (page.number > pages) throw new NotFoundError('Invalid page.');
  const link = (number: number) => {
    const url = new URL(request.url, `${request.protocol}://${request.host}`);
    if (number === 1) url.searchParams.delete('page');
    else url.searchParams.set('page', String(number));
    return url.toString();
  };
  return {
    count,
    next: page.number < pages ? link(page.number + 1) : null,
    previous: page.number > 1 ? link(page.number - 1) : null,
    results,
  };
}
