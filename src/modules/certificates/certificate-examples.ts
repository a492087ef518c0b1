import type { PublicCredential } from '../credentials/shown-credentials.ts';

/** Program types the example page shows, as the catalog names them (reference §3.1). */
export const EXAMPLE_PROGRAM_TYPES = {
  'professional-certificate': 'Professional Certificate',
  micromasters: 'MicroMasters',
  xseries: 'XSeries',
  microbachelors: 'MicroBachelors',
} as const;

export type ExampleProgramType = keyof typeof EXAMPLE_PROGRAM_TYPES;

const ORGANIZATIONS = [
  { key: 'LaurelX', name: 'Laurel University', logoSha256: null },
  { key: 'OpenScienceX', name: 'Open Science Institute', logoSha256: null },
];

/**
 * Sample credentials for `/credentials/example/`: what a certificate looks like before any is awarded,
 * for every kind and program type. Nothing here is read from or written to the database.
 */
export function exampleCredential(
  kind: 'program' | 'course-run',
  programType: ExampleProgramType,
): PublicCredential {
  const issuedOn = new Date('2026-06-15T00:00:00Z');
  const isProgram = kind === 'program';
  return {
    uuid: '00000000-0000-7000-8000-000000000000',
    status: 'awarded',
    awardedAt: issuedOn,
    dateOverride: null,
    visibleDate: isProgram ? issuedOn : null,
    updatedAt: issuedOn,
    issuedOn,
    learner: { id: 0, username: 'example-learner', fullName: 'Jane Q. Learner' },
    config: {
      uuid: '00000000-0000-7000-8000-000000000001',
      kind,
      title: null,
      language: null,
      useOrgName: true,
      includeHoursOfEffort: isProgram,
      certificateAvailableDate: null,
      mode: isProgram ? null : 'verified',
      updatedAt: issuedOn,
    },
    program: isProgram
      ? {
          uuid: '00000000-0000-7000-8000-000000000002',
          title: 'Data Science Foundations',
          type: EXAMPLE_PROGRAM_TYPES[programType],
          typeSlug: programType,
          hoursOfEffort: 120,
        }
      : null,
    courseRun: isProgram
      ? null
      : { key: 'course-v1:LaurelX+DS101+2026', title: 'Introduction to Data Science' },
    organizations: isProgram ? ORGANIZATIONS : ORGANIZATIONS.slice(0, 1),
    signatories: [
      {
        name: 'Dr. Maria Okafor',
        title: 'Dean of Continuing Education',
        organizationNameOverride: null,
        imageSha256: null,
      },
      {
        name: 'Prof. Kenji Watanabe',
        title: 'Course Director',
        organizationNameOverride: 'Open Science Institute',
        imageSha256: null,
      },
    ],
  };
}
