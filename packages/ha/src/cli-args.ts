/**
 * The command's own arguments. `pnpm run <script> -- --flag` forwards the `--` too; dropping a leading
 * one lets both `pnpm … smoke --url x` and `pnpm … smoke -- --url x` work.
 */
export function cliArgs(argv: readonly string[] = process.argv): string[] {
  const args = argv.slice(2);
  return args[0] === '--' ? args.slice(1) : args;
}
