import { type Command, Option } from 'commander';
import type { CliContext } from '../../cli/context.ts';
import { printTable } from '../../cli/output.ts';
import { CLI_ACTOR } from '../audit/audit.service.ts';
import { SITE_FIELDS, type SiteSettingKey } from './site-fields.ts';
import type { Site } from './sites.service.ts';

type Run = <T>(command: (context: CliContext) => Promise<T>) => Promise<T>;

function camel(flag: string): string {
  return flag.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());
}

/** Adds one option per site setting; booleans take an explicit value so they can be turned off. */
function addSettingOptions(command: Command, { skipDomain }: { skipDomain: boolean }): Command {
  for (const field of SITE_FIELDS) {
    if (skipDomain && field.key === 'domain') continue;
    const argument = field.kind === 'boolean' ? '<true|false>' : '<value>';
    command.addOption(new Option(`--${field.flag} ${argument}`, field.description));
  }
  return command;
}

function settingsFrom(
  options: Record<string, unknown>,
  rename: Partial<Record<string, SiteSettingKey>> = {},
): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  for (const field of SITE_FIELDS) {
    const value = options[camel(field.flag)];
    if (value !== undefined) input[field.key] = value;
  }
  for (const [option, key] of Object.entries(rename)) {
    if (key && options[option] !== undefined) input[key] = options[option];
  }
  return input;
}

/** A site as shown to operators: every setting, secrets only as set/unset. */
function describeSite(site: Site): Record<string, string> {
  const shown: Record<string, string> = {};
  for (const field of SITE_FIELDS) {
    const value = site[field.key];
    shown[field.flag] =
      field.kind === 'secret' ? (value ? '(set)' : '(unset)') : value === null ? '' : String(value);
  }
  return shown;
}

function printSite(verb: string, site: Site): void {
  console.log(`${verb} site ${site.domain}`);
  for (const [flag, value] of Object.entries(describeSite(site)))
    console.log(`  ${flag.padEnd(24)} ${value}`);
}

export function registerSitesCommands(program: Command, run: Run): void {
  const sites = program.command('sites').description('Manage sites (one per host name)');

  addSettingOptions(sites.command('create').description('Create a site'), { skipDomain: false }).action(
    async (options: Record<string, unknown>) => {
      const site = await run(({ services }) => services.sites.create(settingsFrom(options), CLI_ACTOR));
      printSite('Created', site);
    },
  );

  addSettingOptions(
    sites
      .command('update')
      .description('Change settings of the site named by --domain')
      .requiredOption('--domain <host>', 'The site to change')
      .option('--new-domain <host>', 'Move the site to another host name'),
    { skipDomain: true },
  ).action(async (options: Record<string, unknown>) => {
    const { domain, ...rest } = options;
    const site = await run(({ services }) =>
      services.sites.update(String(domain), settingsFrom(rest, { newDomain: 'domain' }), CLI_ACTOR),
    );
    printSite('Updated', site);
  });

  sites
    .command('list')
    .description('List sites')
    .option('--json', 'Print JSON (every setting; secrets as set/unset)')
    .action(async (options: { json?: boolean }) => {
      const list = await run(({ services }) => services.sites.list());
      if (options.json) {
        console.log(JSON.stringify(list.map(describeSite), null, 2));
        return;
      }
      printTable(
        list.map((site) => ({
          domain: site.domain,
          name: site.name,
          'platform name': site.platformName,
          'LMS URL': site.lmsUrl ?? '',
          'catalog API URL': site.catalogApiUrl ?? '',
          'OAuth client': site.oauthClientId
            ? `${site.oauthClientId}${site.oauthClientSecret ? '' : ' (no secret)'}`
            : '',
        })),
      );
    });
}
