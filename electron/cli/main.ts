import { parseArgs } from 'node:util';
import { type Command, type CommandContext, type OptionSpec, PROVIDERS_OPTION, UserError } from './command.ts';
import { parseProviderRequest, formatProviderRequest } from '../engine/providers.ts';
import { commands } from './commands/index.ts';
import { BatchInputError } from '../../shared/batch/each-input.ts';
import { ModelFileError } from '../engine/model/files.ts';

/** File-system errors about paths the user gave: a mistake in the input (one line, exit 1), not a bug. */
const PATH_ERROR_CODES = new Set(['ENOENT', 'ENOTDIR', 'EISDIR', 'EACCES', 'EPERM', 'EROFS', 'EEXIST', 'ENAMETOOLONG', 'ELOOP']);
import { errorLine, quoteForMessage, safeMessageLine } from '../../shared/text/safe-text.ts';

const HELP_OPTION: OptionSpec = { type: 'boolean', short: 'h', description: 'show help for this command' };

function formatHelp(command: Command): string {
  const lines = [`Usage: cfstudio ${command.path.join(' ')}${command.positionals ? ` ${command.positionals}` : ''} [options]`, '', command.summary, '', 'Options:'];
  for (const [name, spec] of Object.entries({ ...command.options, help: HELP_OPTION })) {
    const flag = `${spec.short ? `-${spec.short}, ` : '    '}--${name}${spec.type === 'string' ? ` ${spec.valueName ?? 'VALUE'}` : ''}`;
    lines.push(`  ${flag.padEnd(30)} ${spec.description}`);
  }
  if (command.notes) lines.push('', command.notes);
  return lines.join('\n');
}

function formatTopHelp(): string {
  const lines = ['Usage: cfstudio <command> [options]', '', 'CrystalFormer Studio — crystal generation with a space-group-informed transformer.', '', 'Commands:'];
  for (const command of commands) lines.push(`  ${command.path.join(' ').padEnd(18)} ${command.summary}`);
  lines.push('', 'Run `cfstudio <command> --help` for the options of a command.');
  return lines.join('\n');
}

/** Find the command whose path is the longest prefix of argv. */
function resolve(argv: string[]): { command?: Command; rest: string[]; prefix: string[] } {
  let best: Command | undefined;
  for (const command of commands) {
    const matches = command.path.every((word, i) => argv[i] === word);
    if (matches && (!best || command.path.length > best.path.length)) best = command;
  }
  if (best) return { command: best, rest: argv.slice(best.path.length), prefix: best.path };
  return { rest: argv, prefix: [] };
}

/** Runs the CLI and returns the exit code: 0 success, 1 user error, 2 internal error. */
export async function main(argv: string[], ctx: CommandContext = defaultContext()): Promise<number> {
  try {
    if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
      ctx.out(formatTopHelp() + '\n');
      return 0;
    }
    if (argv[0] === '--version') {
      ctx.out('0.1.0\n');
      return 0;
    }
    const { command, rest } = resolve(argv);
    if (!command) {
      const group = commands.filter((c) => c.path[0] === argv[0]);
      if (group.length > 0) {
        throw new UserError(`'${argv[0]}' needs a subcommand: ${group.map((c) => c.path.join(' ')).join(', ')}`);
      }
      throw new UserError(`unknown command ${quoteForMessage(argv[0]!)} (see cfstudio --help)`);
    }
    const options = Object.fromEntries(
      Object.entries({ ...command.options, help: HELP_OPTION }).map(([name, spec]) => {
        const { description: _d, valueName: _v, ...parseSpec } = spec as typeof spec & { valueName?: string };
        return [name, parseSpec];
      }),
    );
    let parsed;
    try {
      parsed = parseArgs({ args: rest, options, allowPositionals: true, strict: true });
    } catch (error) {
      throw new UserError(`${errorLine(error, 400)} (see cfstudio ${command.path.join(' ')} --help)`);
    }
    if (parsed.values.help) {
      ctx.out(formatHelp(command) + '\n');
      return 0;
    }
    rejectEmptyValues(parsed.values);
    if (command.options.providers === PROVIDERS_OPTION) applyProvidersOption(parsed.values.providers);
    const code = await command.run(parsed.values as Record<string, string | boolean | undefined>, parsed.positionals, ctx);
    return typeof code === 'number' ? code : 0;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException)?.code;
    if (error instanceof UserError || error instanceof BatchInputError || error instanceof ModelFileError || (typeof code === 'string' && PATH_ERROR_CODES.has(code))) {
      process.stderr.write(`cfstudio: ${errorLine(error)}\n`);
      return 1;
    }
    // The stack stays (it is for a bug report), but each line is escaped and bounded like any message.
    const stack = error instanceof Error ? (error.stack ?? error.message) : String(error);
    process.stderr.write(`cfstudio: internal error: ${stack.split('\n').slice(0, 40).map((line) => safeMessageLine(line)).join('\n')}\n`);
    return 2;
  }
}

/** Every option that takes a value needs one: `--spacegroup=` or `--elements ''` is a mistake, never "any". */
function rejectEmptyValues(values: Record<string, unknown>): void {
  for (const [name, value] of Object.entries(values)) {
    for (const item of Array.isArray(value) ? value : [value]) {
      if (typeof item === 'string' && item.trim() === '') throw new UserError(`--${name} needs a value, got an empty one`);
    }
  }
}

/** `--providers LIST` replaces CFSTUDIO_PROVIDERS for this process and everything it starts (checked first: exit 1). */
function applyProvidersOption(value: unknown): void {
  if (typeof value !== 'string') return;
  let request;
  try {
    request = parseProviderRequest(value, '--providers');
  } catch (error) {
    throw new UserError((error as Error).message);
  }
  process.env.CFSTUDIO_PROVIDERS = formatProviderRequest(request);
}

function defaultContext(): CommandContext {
  return {
    // Log lines carry file names and warnings from the files read: control characters are shown, never sent.
    log: (line) => process.stderr.write(line.split('\n').map((part) => safeMessageLine(part, 10_000)).join('\n') + '\n'),
    out: (text) => process.stdout.write(text),
  };
}
