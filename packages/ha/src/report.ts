/** A pass/fail statement about one property a scenario must show. */
export interface Verdict {
  readonly name: string;
  readonly ok: boolean;
  /** The measured figure(s) behind it. */
  readonly detail: string;
}

export type Cell = string | number;

export interface ScenarioReport {
  readonly title: string;
  /** One row per phase of the scenario; same keys in every row. */
  readonly rows: readonly Record<string, Cell>[];
  readonly verdicts: readonly Verdict[];
  /** Extra facts (failure details, log files to read). */
  readonly notes: readonly string[];
  /** Further tables under the scenario's own (e.g. its SLIs as the drill and as Prometheus saw them). */
  readonly extraTables?: readonly {
    readonly caption: string;
    readonly rows: readonly Record<string, Cell>[];
  }[];
}

function format(cell: Cell): string {
  if (typeof cell === 'string') return cell;
  if (Number.isInteger(cell)) return String(cell);
  return cell >= 100 ? cell.toFixed(0) : cell.toFixed(1);
}

/** A plain-text table (GitHub-flavoured Markdown, readable in a terminal too). */
export function table(rows: readonly Record<string, Cell>[]): string {
  const first = rows[0];
  if (!first) return '(no rows)';
  const columns = Object.keys(first);
  const cells = rows.map((row) => columns.map((column) => format(row[column] ?? '')));
  const widths = columns.map((column, i) =>
    Math.max(column.length, ...cells.map((row) => (row[i] ?? '').length)),
  );
  const line = (values: readonly string[]) =>
    `| ${values.map((value, i) => value.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [line(columns), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

export function renderScenario(report: ScenarioReport): string {
  const verdicts = report.verdicts.map((v) => `  ${v.ok ? 'PASS' : 'FAIL'}  ${v.name}: ${v.detail}`);
  const notes = report.notes.map((note) => `  note: ${note}`);
  const extra = (report.extraTables ?? []).flatMap((t) => [t.caption, '', table(t.rows), '']);
  return [`## ${report.title}`, '', table(report.rows), '', ...extra, ...verdicts, ...notes, ''].join('\n');
}
