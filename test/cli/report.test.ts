/**
 * The stability audit: its Markdown and HTML content for a fixture workspace (counts, grouping by category,
 * location links, excerpts, escaping), and `steady report` run as a user would (output file, formats, exit codes).
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { auditHtml, auditMarkdown, escapeHtml, type AuditInput } from '../../server/src/report/audit';
import type { ReportDiagnostic } from '../../server/src/report/diagnostic';
import { buildCli, cleanProjects, GO_SIGNAL, project, run } from './cli';

/** PY101 at line 4, with `<` and `<=` in the lines around it. */
const PY_PRUNE = `def prune(peers, limit):
    for peer in peers:
        if peer.idle < limit and peer.score <= 0:
            peers.remove(peer)
    return peers
`;

/** A fixture workspace: one Go finding (in a folder whose name has a space) and one Python finding. */
const FILES = { 'sub dir/main.go': GO_SIGNAL, 'prune.py': PY_PRUNE, 'clean.py': 'print("ok")\n' };

/** A diagnostic of the fixture, as the CLI would report it. */
function diag(p: string, rule: string, name: string, category: ReportDiagnostic['category'], line: number, message: string, fix?: string): ReportDiagnostic {
  return {
    path: p,
    rule,
    name,
    category,
    severity: 'warning',
    message,
    range: { start: { line, column: 2 }, end: { line, column: 10 } },
    fixes: fix ? [{ title: fix, applicability: 'safe', edits: [] }] : [],
  };
}

/** The audit input of the fixture (fixed date, no file system). */
function fixtureInput(extra: ReportDiagnostic[] = []): AuditInput {
  return {
    title: 'Stability audit of <fixture>',
    scope: ['fixture/'],
    files: 3,
    lines: 18,
    version: '9.9.9',
    date: new Date('2026-03-04T05:06:07Z'),
    diagnostics: [
      diag('sub dir/main.go', 'GO404', 'signal-notify-without-sigterm', 'shutdown/lifecycle', 10, 'signal.Notify traps os.Interrupt but not SIGTERM', 'Add syscall.SIGTERM to the trapped signals'),
      diag('prune.py', 'PY101', 'mutate-during-iteration', 'concurrency', 4, 'removing from peers while a for loop iterates over it <skips>', 'Iterate over a copy: list(peers)'),
      ...extra,
    ],
    source: (p) => (FILES as Record<string, string>)[p],
  };
}

describe('stability audit', function () {
  this.timeout(600_000);
  after(cleanProjects);

  describe('markdown', () => {
    const md = auditMarkdown(fixtureInput());

    it('has the title, scope, date, version and a summary line', () => {
      assert.match(md, /^# Stability audit of &lt;fixture&gt;\n/);
      assert.match(md, /Steady 9\.9\.9 · 2026-03-04 · 3 files, 18 lines/);
      assert.match(md, /\*\*Scope:\*\* `fixture\/`/);
      assert.match(md, /Steady found 2 findings \(2 warnings\) in 2 files\. 2 of them have a safe automatic fix/);
    });

    it('counts findings by category and severity, every category listed in RULES.md order', () => {
      const rows = md.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| Category'));
      assert.equal(rows.length, 10);
      assert.equal(rows[0], '| [Concurrency](#concurrency-1) | · | 1 | · | · | 1 |');
      assert.equal(rows[1], '| Resource leaks | · | · | · | · | · |');
      assert.equal(rows[3], '| [Shutdown and lifecycle](#shutdown-and-lifecycle-1) | · | 1 | · | · | 1 |');
      assert.equal(rows[9], '| **Total** | **0** | **2** | **0** | **0** | **2** |');
    });

    it('groups findings under their category, in category order', () => {
      const headings = md.split('\n').filter((l) => /^#{2,3} /.test(l));
      assert.deepEqual(headings, [
        '## Summary',
        '## Concurrency (1)',
        '### Warning: PY101 mutate-during-iteration',
        '## Shutdown and lifecycle (1)',
        '### Warning: GO404 signal-notify-without-sigterm',
      ]);
    });

    it('links each location relative to the report, with the path encoded', () => {
      assert.match(md, /\[sub dir\/main\.go:10\]\(sub%20dir\/main\.go#L10\): signal\.Notify traps/);
      assert.match(md, /\[prune\.py:4\]\(prune\.py#L4\)/);
      const moved = auditMarkdown({ ...fixtureInput(), linkBase: '../..' });
      assert.match(moved, /\]\(\.\.\/\.\.\/sub%20dir\/main\.go#L10\)/);
    });

    it('shows an excerpt around the anchor, marks the anchor line, and keeps code as written', () => {
      assert.ok(
        md.includes(
          '```python\n  2 | for peer in peers:\n  3 |     if peer.idle < limit and peer.score <= 0:\n> 4 |         peers.remove(peer)\n  5 | return peers\n```',
        ),
        md,
      );
      assert.ok(md.includes('> 10 |     signal.Notify(quit, os.Interrupt)'), 'tabs expanded');
    });

    it('explains why it matters, the fix and links the rule page', () => {
      assert.match(md, /\*\*Why it matters in production\.\*\* Containers, systemd and Kubernetes stop a process with SIGTERM/);
      assert.match(md, /\*\*Fix:\*\* Add syscall\.SIGTERM to the trapped signals\. _Safe fix, applied by `steady check --fix`\._/);
      assert.match(md, /\[GO404 documentation\]\(https:\/\/github\.com\/steady-dev\/steady\/blob\/main\/docs\/rules\/signal-notify-without-sigterm\.md\)/);
    });

    it('escapes markup in messages', () => {
      assert.match(md, /iterates over it &lt;skips&gt;/);
    });

    it('shows the rule\'s corrected example when a finding has no fix', () => {
      const noFix = diag('prune.py', 'PY101', 'mutate-during-iteration', 'concurrency', 2, 'no fix here');
      const text = auditMarkdown(fixtureInput([noFix]));
      assert.match(text, /\*\*Fix:\*\* no automatic fix; write it like this instead:\n\n```python\nfor peer in list\(peers\):/);
    });

    it('says so when nothing was found', () => {
      const text = auditMarkdown({ ...fixtureInput(), diagnostics: [] });
      assert.match(text, /Steady found no stability defects\./);
      assert.doesNotMatch(text, /^## Concurrency/m);
    });
  });

  describe('html', () => {
    const html = auditHtml(fixtureInput());

    it('is one self-contained document: inline style and SVG, no scripts or external resources', () => {
      assert.match(html, /^<!DOCTYPE html>\n<html lang="en">/);
      assert.match(html, /<style>[^]*<\/style>/);
      assert.match(html, /<svg class="chart"[^]*<\/svg>/);
      assert.doesNotMatch(html, /<script|<link |<img |@import|url\(/i);
      assert.doesNotMatch(html, /(src|href)="(https?:)?\/\/(?!github\.com\/steady-dev)/);
    });

    it('escapes everything: the title, messages and the code excerpt', () => {
      assert.match(html, /<title>Stability audit of &lt;fixture&gt;<\/title>/);
      assert.match(html, /iterates over it &lt;skips&gt;/);
      assert.ok(html.includes('if peer.idle &lt; limit and peer.score &lt;= 0:'), 'code is escaped');
      assert.doesNotMatch(html, /<skips>|peer\.idle < limit/);
      assert.equal(escapeHtml(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
    });

    it('has the summary table with counts and one chart bar per category with findings', () => {
      assert.match(html, /<tr><td><a href="#concurrency">Concurrency<\/a><\/td><td class="sev-error">·<\/td><td class="sev-warning n">1<\/td>/);
      assert.match(html, /<tfoot><tr><td>Total<\/td><td>0<\/td><td>2<\/td><td>0<\/td><td>0<\/td><td>2<\/td><\/tr><\/tfoot>/);
      assert.equal((html.match(/<rect [^>]*fill="#ef8f00"><title>/g) ?? []).length, 2, 'two warning bars');
      assert.match(html, /<title>Concurrency: 1 warning<\/title>/);
    });

    it('groups findings in sections by category, each with a link, excerpt, why and fix', () => {
      const sections = [...html.matchAll(/<section id="([^"]+)">/g)].map((m) => m[1]);
      assert.deepEqual(sections, ['concurrency', 'shutdown-and-lifecycle']);
      assert.match(html, /<a href="sub%20dir\/main\.go#L10">sub dir\/main\.go:10<\/a>/);
      assert.match(html, /<span class="l anchor"><span class="n">10<\/span>    signal\.Notify\(quit, os\.Interrupt\)<\/span>/);
      assert.match(html, /<dt>Why it matters<\/dt><dd>Containers, systemd and Kubernetes/);
      assert.match(html, /<dt>Fix<\/dt><dd>Add syscall\.SIGTERM to the trapped signals\./);
      assert.match(html, /<a href="https:\/\/github\.com\/steady-dev\/steady\/blob\/main\/docs\/rules\/mutate-during-iteration\.md">PY101 documentation<\/a>/);
    });
  });

  describe('steady report', () => {
    before(() => {
      buildCli();
    });

    it('prints the Markdown audit of the working folder and exits 0 even with findings', () => {
      const dir = project(FILES);
      const r = run(['report', '--select', 'GO404,PY101'], dir);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stderr, '');
      assert.match(r.stdout, new RegExp(`^# Stability audit of ${path.basename(dir)}\\n`));
      assert.match(r.stdout, /3 files, 18 lines/);
      assert.match(r.stdout, /\| \*\*Total\*\* \| \*\*0\*\* \| \*\*2\*\* \| \*\*0\*\* \| \*\*0\*\* \| \*\*2\*\* \|/);
      assert.match(r.stdout, /\[sub dir\/main\.go:10\]\(sub%20dir\/main\.go#L10\)/);
    });

    it('writes HTML for an --output ending in .html, with links relative to the file', () => {
      const dir = project(FILES);
      const r = run(['report', '--select', 'GO404,PY101', '--output', 'out/audit.html'], dir);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, 'Wrote out/audit.html: 2 findings in 3 files checked\n');
      const html = readFileSync(path.join(dir, 'out', 'audit.html'), 'utf8');
      assert.match(html, /^<!DOCTYPE html>/);
      assert.match(html, /<a href="\.\.\/sub%20dir\/main\.go#L10">/);
      assert.ok(html.includes('if peer.idle &lt; limit and peer.score &lt;= 0:'));
    });

    it('honours --format over the file name, and reports only the named paths', () => {
      const dir = project(FILES);
      const r = run(['report', '--format', 'markdown', '-o', 'audit.html', 'prune.py'], dir);
      assert.equal(r.status, 0, r.stderr);
      const md = readFileSync(path.join(dir, 'audit.html'), 'utf8');
      assert.match(md, /^# Stability audit of prune\.py\n/);
      assert.doesNotMatch(md, /main\.go/);
    });

    it('shows paths relative to the one folder audited, with links that work from the report', () => {
      const dir = project({ 'svc/sub dir/main.go': GO_SIGNAL, 'svc/prune.py': PY_PRUNE });
      const r = run(['report', '--select', 'GO404', 'svc', '-o', 'reports/audit.md'], dir);
      assert.equal(r.status, 0, r.stderr);
      const md = readFileSync(path.join(dir, 'reports', 'audit.md'), 'utf8');
      assert.match(md, /^# Stability audit of svc\n/);
      assert.match(md, /\[sub dir\/main\.go:10\]\(\.\.\/svc\/sub%20dir\/main\.go#L10\)/);
      assert.ok(md.includes('> 10 |     signal.Notify(quit, os.Interrupt)'), 'the excerpt is found from the audited folder');
    });

    it('obeys steady.toml: excluded files, ignored rules and severities', () => {
      const dir = project({ ...FILES, 'vendored/x.py': PY_PRUNE, 'steady.toml': 'exclude = ["vendored/"]\nignore = ["PY"]\n[severity]\nGO404 = "error"\n' });
      const r = run(['report'], dir);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /Steady found 1 finding \(1 error\) in 1 file\./);
      assert.match(r.stdout, /### Error: GO404 signal-notify-without-sigterm/);
      assert.doesNotMatch(r.stdout, /PY101|vendored/);
      const bad = run(['report'], project({ ...FILES, 'steady.toml': 'selekt = ["GO"]\n' }));
      assert.equal(bad.status, 2);
      assert.match(bad.stderr, /steady\.toml/);
    });

    it('exits 2 for bad usage, a missing path, or an output it cannot write', () => {
      const dir = project(FILES);
      const cases: [string[], RegExp][] = [
        [['report', '--format', 'pdf'], /unknown report format 'pdf' \(use markdown or html\)/],
        [['report', '--bogus'], /unknown option '--bogus'/],
        [['report', '--select', 'NOPE1'], /unknown rule 'NOPE1'/],
        [['report', 'missing.go'], /missing\.go/],
        [['report', '-o', 'prune.py/x.md'], /cannot write prune\.py\/x\.md/],
      ];
      for (const [args, err] of cases) {
        const r = run(args, dir);
        assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
        assert.match(r.stderr, err);
        assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      }
      assert.equal(existsSync(path.join(dir, 'x.md')), false);
    });

    it('prints its help with --help', () => {
      const r = run(['report', '--help'], project({}));
      assert.equal(r.status, 0);
      assert.match(r.stdout, /^Usage: steady report \[options\] \[paths\.\.\.\]/);
      assert.match(r.stdout, /--format FORMAT\s+markdown \(default\) or html/);
    });
  });
});
