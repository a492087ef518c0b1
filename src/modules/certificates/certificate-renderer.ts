import { readFileSync } from 'node:fs';
import {
  AssertionError,
  type Context,
  type Emitter,
  type FilterImplOptions,
  IncludeTag,
  LayoutTag,
  Liquid,
  LiquidError,
  RenderTag,
} from 'liquidjs';
import { LRUCache } from 'lru-cache';
import { strongEtag } from '../../platform/http/conditional.ts';
import type { ShareLinks } from './certificate-sharing.ts';
import { type Skeleton, fill, skeletonKey, skeletonOf, skeletonSize } from './certificate-skeleton.ts';
import type { CertificateView } from './certificate-view.ts';
import { type StoredTemplate, TEMPLATE_PARTS, type TemplatePart } from './template-resolution.ts';

/** A template may run this long per page; past it, rendering stops (hostile templates must stop within a second). */
const RENDER_LIMIT_MS = 300;
/** Pages larger than this are refused: no certificate needs it, and a runaway loop would. */
const MAX_PAGE_BYTES = 2 * 1024 * 1024;
/**
 * What liquidjs may allocate for one render (string building, ranges, joins), in its own units
 * (characters, array items): as much as a page may hold.
 */
const MEMORY_LIMIT = MAX_PAGE_BYTES;
/**
 * A filter may be given at most this many items. liquidjs checks the render limit only between
 * nodes, so one filter call runs to its end: sorting or grouping a million items took seconds and
 * hundreds of MB. No certificate lists more than a few dozen things.
 */
const MAX_FILTER_ITEMS = 10_000;

/**
 * Room for skeletons of the built-in design: one per configuration, language and address shown, a
 * default one about 6 kB, so some thousands of configurations.
 */
const SKELETONS_MAX_CHARACTERS = 16 * 1024 * 1024;

/** Partials may include partials this deep; beyond it a template is including itself. */
const MAX_NESTING = 4;

/**
 * `include`, `render` and `layout` that refuse to nest deeper than MAX_NESTING. Without this, a part
 * including itself (or two including each other) recurses until the render limit, and unwinding that
 * deep stack takes longer than the limit itself. Depth is kept per render call: the render-limit
 * object is the one thing every context of a render shares.
 */
function guardNesting(Base: typeof IncludeTag | typeof RenderTag | typeof LayoutTag) {
  const depths = new WeakMap<object, number>();
  // The three tags share this render signature; TypeScript sees them as unrelated classes.
  return class extends (Base as unknown as typeof IncludeTag) {
    override *render(ctx: Context, emitter: Emitter) {
      const depth = (depths.get(ctx.renderLimit) ?? 0) + 1;
      if (depth > MAX_NESTING)
        throw new Error(`partials nest more than ${MAX_NESTING} deep: does one include itself?`);
      depths.set(ctx.renderLimit, depth);
      try {
        yield* super.render(ctx, emitter);
      } finally {
        depths.set(ctx.renderLimit, depth - 1);
      }
    }
  };
}
const NESTING_TAGS = {
  include: guardNesting(IncludeTag),
  render: guardNesting(RenderTag),
  layout: guardNesting(LayoutTag),
};

/** What liquidjs gives a filter as `this`: the render's context among others. */
type FilterThis = ThisParameterType<Extract<FilterImplOptions, { handler: unknown }>['handler']>;

/**
 * Replaces each of the engine's filters with one that first checks the render limit (so a chain of
 * filters in one output stops in time) and refuses inputs of more than MAX_FILTER_ITEMS items.
 */
function guardFilters(engine: Liquid) {
  for (const [name, filter] of Object.entries(engine.filters)) {
    const handler = typeof filter === 'function' ? filter : filter.handler;
    const raw = typeof filter === 'function' ? false : filter.raw;
    engine.registerFilter(name, {
      raw,
      handler(this: FilterThis, input: unknown, ...args: unknown[]) {
        this.context.renderLimit.check(performance.now());
        if (Array.isArray(input) && input.length > MAX_FILTER_ITEMS)
          throw new Error(
            `${name} was given ${input.length} items; a filter takes at most ${MAX_FILTER_ITEMS}`,
          );
        return handler.call(this, input, ...args);
      },
    });
  }
}

/** The built-in design, one file per part, loaded once. */
const BUILT_IN: Record<TemplatePart, string> = Object.fromEntries(
  TEMPLATE_PARTS.map((part) => [
    part,
    readFileSync(new URL(`../../web/certificates/${part}.liquid`, import.meta.url), 'utf8'),
  ]),
) as Record<TemplatePart, string>;

/** The owner's sharing banner: built in, not a template part (see certificate-sharing.ts). */
const OWNER_BANNER = readFileSync(
  new URL('../../web/certificates/owner-banner.liquid', import.meta.url),
  'utf8',
);

/** A rendered certificate as UTF-8 bytes, and the strong validator of those bytes. */
export interface RenderedCertificate {
  body: Buffer;
  etag: string;
}

/** Why a template cannot be used, with where in its text, as administrators need to fix it. */
export class TemplateError extends Error {
  readonly line: number | null;
  readonly column: number | null;
  constructor(message: string, line: number | null = null, column: number | null = null) {
    super(message);
    this.line = line;
    this.column = column;
  }

  static from(error: unknown): TemplateError {
    if (error instanceof TemplateError) return error;
    if (error instanceof LiquidError) {
      const [line, column] = error.token?.getPosition() ?? [null, null];
      // liquidjs appends the position to its message; it is given separately here.
      const message = error.message.split(', line:')[0]?.replace(/, file:\S+$/, '') ?? error.message;
      return new TemplateError(message, line, column);
    }
    // A limit found exceeded between two top-level nodes, outside liquidjs's own error wrapping.
    if (error instanceof AssertionError) return new TemplateError(error.message);
    if (error instanceof RangeError) return new TemplateError('the template calls itself without end');
    throw error;
  }
}

/**
 * Renders certificates: the built-in design with any stored parts in its place. Each combination of
 * stored template versions gets its own Liquid engine (their parsed templates are cached inside), so a
 * new version is simply a new combination. Templates see only own properties of plain data, run under
 * time and allocation limits, and may not produce more than MAX_PAGE_BYTES.
 */
export function createCertificateRenderer() {
  const engines = new LRUCache<string, Liquid>({ max: 200 });
  // Per configuration as shown (see skeletonKey); false where the design cannot be filled in.
  const skeletons = new LRUCache<string, Skeleton | false>({
    maxSize: SKELETONS_MAX_CHARACTERS,
    sizeCalculation: (skeleton) => (skeleton ? skeletonSize(skeleton) : 1),
  });
  let bannerEngine: Liquid | undefined;

  type Parts = ReadonlyMap<TemplatePart, Pick<StoredTemplate, 'uuid' | 'version' | 'body'>>;

  function newEngine(parts: Parts): Liquid {
    // No prototype: liquidjs looks partials up by name, and `constructor` must not be one.
    const templates: Record<string, string> = Object.assign(Object.create(null), BUILT_IN);
    for (const [part, stored] of parts) templates[part] = stored.body;
    const engine = new Liquid({
      templates,
      // Parsed once per engine: without it, liquidjs parses every template again on every render.
      cache: true,
      outputEscape: 'escape',
      ownPropertyOnly: true,
      strictFilters: true,
      renderLimit: RENDER_LIMIT_MS,
      memoryLimit: MEMORY_LIMIT,
      parseLimit: MAX_PAGE_BYTES,
    });
    for (const [name, tag] of Object.entries(NESTING_TAGS)) engine.registerTag(name, tag);
    guardFilters(engine);
    return engine;
  }

  function engineFor(parts: Parts): Liquid {
    const signature = TEMPLATE_PARTS.map((part) => {
      const stored = parts.get(part);
      return stored ? `${stored.uuid}@${stored.version}` : 'built-in';
    }).join('|');
    let engine = engines.get(signature);
    if (!engine) {
      engine = newEngine(parts);
      engines.set(signature, engine);
    }
    return engine;
  }

  function renderHtml(engine: Liquid, view: CertificateView): string {
    try {
      // Synchronous: the async renderer awaits a promise per tag, most of a page's cost, and
      // certificate templates have nothing to wait for (no async filters, templates in memory).
      return engine.renderFileSync('certificate', view) as string;
    } catch (error) {
      throw TemplateError.from(error);
    }
  }

  /**
   * The built-in design, from the skeleton of the view's configuration when it has one: the page
   * rendered once with holes, filled in for each credential, costs a fraction of a render.
   */
  function renderBuiltIn(view: CertificateView): string {
    // The engine is looked up only to render: a page filled from a kept skeleton needs none.
    const render = (data: CertificateView) => renderHtml(engineFor(new Map()), data);
    const key = skeletonKey(view);
    let skeleton = skeletons.get(key);
    if (skeleton === undefined) {
      skeleton = skeletonOf(view, render) ?? false;
      skeletons.set(key, skeleton);
    }
    return skeleton ? fill(skeleton, view) : render(view);
  }

  function finished(html: string): RenderedCertificate {
    const body = Buffer.from(html);
    if (body.length > MAX_PAGE_BYTES)
      throw new TemplateError(`the page would be larger than ${MAX_PAGE_BYTES / 1024 / 1024} MB`);
    return { body, etag: strongEtag(body) };
  }

  return {
    /** The sharing banner its owner sees on a certificate page. */
    async renderOwnerBanner(view: CertificateView, share: ShareLinks): Promise<string> {
      bannerEngine ??= new Liquid({
        templates: { 'owner-banner': OWNER_BANNER },
        cache: true,
        outputEscape: 'escape',
        ownPropertyOnly: true,
      });
      return bannerEngine.renderFileSync('owner-banner', { ...view, share }) as string;
    },

    /** The certificate page of `view`, with the stored `parts` in place of the built-in ones. */
    async render(view: CertificateView, parts: Parts = new Map()): Promise<RenderedCertificate> {
      return finished(parts.size === 0 ? renderBuiltIn(view) : renderHtml(engineFor(parts), view));
    },

    /**
     * Renders `view` with a draft `body` as `part` (and any other stored parts), never cached; throws a
     * TemplateError when the draft does not parse or render within the limits.
     */
    async renderDraft(part: TemplatePart, body: string, view: CertificateView, parts: Parts = new Map()) {
      try {
        // Parsed on its own first, so positions point into this body rather than the page including it.
        new Liquid({ strictFilters: true }).parse(body);
      } catch (error) {
        throw TemplateError.from(error);
      }
      const withDraft = new Map(parts).set(part, { uuid: 'draft', version: 0, body });
      return finished(renderHtml(newEngine(withDraft), view));
    },
  };
}

export type CertificateRenderer = ReturnType<typeof createCertificateRenderer>;
