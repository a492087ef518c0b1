import Type from 'typebox';
import { drfDate } from '../../platform/http/formats.ts';
import { Nullable } from '../../platform/http/nullable.ts';
import type { ConfigPresentation } from './config-editing.ts';
import type { CredentialConfig } from './credentials.repository.ts';

/** Text a person reads: no control characters (PostgreSQL refuses NUL, and none belongs on a certificate). */
export const PLAIN_TEXT = '^[^\\u0000-\\u001f\\u007f]*$';

const Language = Nullable(Type.String({ maxLength: 16, pattern: '^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$' }));

/** The presentation fields of a certificate configuration as the API takes them, all optional. */
export const PresentationFields = {
  title: Type.Optional(Nullable(Type.String({ maxLength: 255, pattern: PLAIN_TEXT }))),
  language: Type.Optional(Language),
  use_org_name: Type.Optional(Type.Boolean()),
  include_hours_of_effort: Type.Optional(Type.Boolean()),
  signatories: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 10 })),
};

/** The presentation fields of a certificate configuration as the API shows them. */
export const PresentationOut = {
  uuid: Type.String(),
  title: Type.Union([Type.String(), Type.Null()]),
  language: Type.Union([Type.String(), Type.Null()]),
  use_org_name: Type.Boolean(),
  include_hours_of_effort: Type.Boolean(),
  signatories: Type.Array(Type.String()),
  created: Type.String(),
  modified: Type.String(),
};

export interface PresentationBody {
  title?: string | null;
  language?: string | null;
  use_org_name?: boolean;
  include_hours_of_effort?: boolean;
  signatories?: string[];
}

export const presentationOf = (body: PresentationBody): ConfigPresentation => ({
  title: body.title,
  language: body.language,
  useOrgName: body.use_org_name,
  includeHoursOfEffort: body.include_hours_of_effort,
  signatories: body.signatories,
});

export const presentationOut = (config: CredentialConfig, signatories: string[] | undefined) => ({
  uuid: config.uuid,
  title: config.title,
  language: config.language,
  use_org_name: config.useOrgName,
  include_hours_of_effort: config.includeHoursOfEffort,
  signatories: signatories ?? [],
  created: drfDate(config.createdAt),
  modified: drfDate(config.updatedAt),
});
