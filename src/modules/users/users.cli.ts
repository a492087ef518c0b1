import type { Command } from 'commander';
import type { CliContext } from '../../cli/context.ts';
import { readSecret } from '../../cli/read-secret.ts';
import { ValidationError } from '../../platform/errors.ts';
import { CLI_ACTOR } from '../audit/audit.service.ts';

type Run = <T>(command: (context: CliContext) => Promise<T>) => Promise<T>;

const EMAIL = /^[^@\s]+@[^@\s]+$/;

export function registerUsersCommands(program: Command, run: Run): void {
  const users = program.command('users').description('Manage users');

  users
    .command('create-admin')
    .description(
      'Create or update a local administrator (admin on every site). The password is read from stdin, ' +
        'or asked for on a terminal; never pass it as an argument.',
    )
    .requiredOption('--email <email>', 'Email address, also the username')
    .action(async (options: { email: string }) => {
      if (!EMAIL.test(options.email)) throw ValidationError.field('email', 'Enter a valid email address.');
      const password = await readSecret('Password: ');
      if (password.length < 12) throw ValidationError.field('password', 'Use at least 12 characters.');
      const user = await run(({ services }) =>
        services.users.ensureLocalAdmin(options.email, password, CLI_ACTOR),
      );
      console.log(`Administrator ${user.username} is ready; sign in at /login/local/.`);
    });

  users
    .command('sync-from-lms')
    .description("Fill in learners' missing names, emails and LMS ids from the LMS user API, in batches")
    .option('--site <domain>', 'The site whose LMS to ask (default: the site of PUBLIC_URL)')
    .option('--batch-size <n>', 'Usernames per request to the LMS (1–100)', (value) => Number(value), 50)
    .action(async (options: { site?: string; batchSize: number }) => {
      if (!Number.isInteger(options.batchSize) || options.batchSize < 1 || options.batchSize > 100) {
        throw ValidationError.field('batch_size', 'Must be a whole number from 1 to 100.');
      }
      const report = await run(async ({ config, services }) => {
        const site = await services.sites.getByDomain(options.site ?? new URL(config.publicUrl).hostname);
        return services.users.fillFromLms(site, options.batchSize, (progress) => {
          if (process.stderr.isTTY)
            process.stderr.write(`\r\x1b[2K${progress.examined} examined, ${progress.updated} updated`);
        });
      });
      if (process.stderr.isTTY) process.stderr.write('\r\x1b[2K');
      console.log(
        `${report.examined} users lacked data: ${report.updated} updated, ${report.unknownToLms} unknown to the LMS.`,
      );
    });
}
