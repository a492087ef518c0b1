/** The `laurel` command: operations on the database named by DATABASE_URL. */
import { Command, CommanderError } from 'commander';
import { type CliContext, withContext } from './cli/context.ts';
import { ConfigError, loadConfig, redactConfig } from './config.ts';
import { runMigrations } from './platform/db/migrate.ts';
import { AppError, OperationalError, ValidationError } from './platform/errors.ts';
import { registerCatalogCommands } from './modules/catalog/catalog.cli.ts';
import { registerCredentialsCommands } from './modules/credentials/credentials.cli.ts';
import { registerSitesCommands } from './modules/sites/sites.cli.ts';
import { registerUsersCommands } from './modules/users/users.cli.ts';
import { VERSION } from './version.ts';

const program = new Command('laurel')
  .description('Laurel, the credentials service: command-line operations')
  .version(VERSION)
  .showHelpAfterError()
  .exitOverride();

const run = <T>(command: (context: CliContext) => Promise<T>) => withContext(command);

program
  .command('migrate')
  .description('Apply pending database migrations')
  .action(async () => {
    await withContext(({ database }) => runMigrations(database), { prepare: false });
    console.log('Database is up to date.');
  });

program
  .command('config')
  .description('Check the configuration and print it with secrets hidden')
  .action(() => {
    console.log(JSON.stringify(redactConfig(loadConfig()), null, 2));
  });

registerSitesCommands(program, run);
registerUsersCommands(program, run);
registerCatalogCommands(program, run);
registerCredentialsCommands(program, run);

function report(error: unknown): number {
  if (error instanceof CommanderError) return error.exitCode;
  if (error instanceof ValidationError) {
    console.error('Invalid input:');
    for (const [field, messages] of Object.entries(error.fields)) {
      console.error(`  ${field}: ${Array.isArray(messages) ? messages.join(' ') : JSON.stringify(messages)}`);
    }
    return 2;
  }
  if (error instanceof ConfigError || error instanceof OperationalError || error instanceof AppError) {
    console.error(error.message);
    return error instanceof ConfigError ? 78 : 1;
  }
  console.error(error);
  return 1;
}

try {
  await program.parseAsync(process.argv);
} catch (error) {
  process.exitCode = report(error);
}
