/**
 * Renders conformance/README.md from a run against both targets (`run.js --target both
 * --write-readme`): what the suite is, how to run it, and the per-feature status table.
 */
import type { Expectations } from './expectations.js';
import type { CaseResult, Feature } from './suite.js';
import type { TargetName } from './types.js';

/** Results of one run, per target (a target that did not run is absent). */
export type ResultsByTarget = Partial<Record<TargetName, CaseResult[]>>;

const INTRO = `# S3 conformance suite

Cases written from the Amazon S3 API reference (and the RFCs it builds on), one file per feature
under \`cases/\`. Each case names the page or RFC section it checks in its \`ref\` and asserts the exact
status, error code, headers and body fields a client relies on. Normal paths go through the latest
\`@aws-sdk/client-s3\` with its default settings (flexible checksums on, path style); what an SDK will
not send (bad signatures, malformed XML, odd headers) goes through raw requests (undici + \`aws4\`).

The suite runs against two targets:

- **ccow** — this gateway, in process, on the local backend (LMDB and chunk files in a temp dir),
  with a second user for cross-tenant cases;
- **s3rver** — the \`s3rver\` package (the usual Node choice for a local S3), in a child process, for
  comparison. It has a single user, so cases that need a second one fail there.

\`expectations.json\` lists the ccow cases known to fail, each with a reason. A run fails when a case
not listed fails, when a listed case passes (remove it: the list may only shrink) and when a listed
case no longer exists. s3rver results are informative only.

## Running

\`\`\`sh
npm run conformance                           # build, then run every feature against ccow
node dist/conformance/run.js --feature ranges # one feature (repeat --feature for more)
node dist/conformance/run.js --target both    # ccow and s3rver
node dist/conformance/run.js --write-readme   # run both targets and regenerate this file
\`\`\`

\`npm test\` runs the suite against ccow too (\`conformance/conformance.test.ts\`), and fails exactly as
the runner does. A case is \`{ name, ref, run(ctx) }\` (\`lib/types.ts\`); the context gives SDK clients,
\`bucket()\` for a fresh bucket and \`raw()\` for hand-made requests.
`;

/** The whole README text. */
export function renderReadme(features: Feature[], results: ResultsByTarget, exp: Expectations): string {
  const rows = features.map((f) => row(f, results, exp));
  const total = rows.reduce((a, r) => a.map((v, i) => v + r.nums[i]!), [0, 0, 0, 0]);
  const cell = (t: TargetName, v: number): string => (results[t] ? String(v) : '—');
  const lines = [
    INTRO,
    '## Status',
    '',
    '| feature | cases | passing on ccow | passing on s3rver | expected failures (ccow) |',
    '| --- | ---: | ---: | ---: | ---: |',
    ...rows.map((r) => `| ${r.name} | ${r.nums[0]} | ${cell('ccow', r.nums[1]!)} | ${cell('s3rver', r.nums[2]!)} | ${r.nums[3]} |`),
    `| **total** | **${total[0]}** | **${cell('ccow', total[1]!)}** | **${cell('s3rver', total[2]!)}** | **${total[3]}** |`,
    '',
    ...expectationList(exp),
  ];
  return lines.join('\n') + '\n';
}

function row(f: Feature, results: ResultsByTarget, exp: Expectations): { name: string; nums: number[] } {
  const pass = (t: TargetName): number => (results[t] ?? []).filter((r) => r.feature === f.name && r.ok).length;
  const expected = Object.keys(exp).filter((k) => k.startsWith(`${f.name}/`)).length;
  return { name: f.name, nums: [f.cases.length, pass('ccow'), pass('s3rver'), expected] };
}

function expectationList(exp: Expectations): string[] {
  const ids = Object.keys(exp).sort();
  if (!ids.length) return ['No ccow case is expected to fail.'];
  return ['## Expected failures on ccow', '', ...ids.map((id) => `- \`${id}\` — ${exp[id]}`)];
}
