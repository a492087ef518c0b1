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
}
