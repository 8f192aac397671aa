/** The engine's contracts that no single rule fixture shows: containment, suppressions, broken files, grammars. */
import assert from 'node:assert/strict';
import { Analyzer, type AnalysisResult } from '../../server/src/engine/analyze';
import { addGoImport, addPythonImport, applyEdits } from '../../server/src/engine/fix';
import { defineRule, type FactProvider, type Rule } from '../../server/src/engine/rule';
import { analyzeText } from '../../server/src/engine/run';
import { syntaxTree } from '../../server/src/engine/syntax';
import { parseSuppressionBody } from '../../server/src/engine/suppress';
import { checkAbi, languageForPath, loadLanguages, sharedParser } from '../../server/src/languages';
import { RULES, findRule } from '../../server/src/rules';

// A template for test rules: its metadata, without the callee filter (test rules look at every call).
const GO404: Rule = { ...findRule('GO404')!, callees: undefined };

const NOTIFY = `package main

import (
	"os"
	"os/signal"
)

func a(q chan os.Signal) {
	signal.Notify(q, os.Interrupt)
}
`;

before(async () => {
  await loadLanguages();
});

/** A loop whose bare `except:` PY302 reports, with a fix that uses (and may import) `time`. */
const RECV = `def recv(sock):
    while True:
        try:
            sock.recv(1)
        except:
            sys.stderr.write("failed")
`;

/** Analyses `text` as the next version of `analyzer`'s file and asserts it finds what a fresh analysis finds. */
function analyzeLikeFresh(analyzer: Analyzer, text: string, path: string): AnalysisResult {
  const tree = sharedParser(analyzer.language).parse(text)!;
  try {
    const got = analyzer.analyze(text, tree, { path });
    assert.deepEqual(got.findings, analyzeText(analyzer.language, text, analyzer.rules, { path }).findings);
    return got;
  } finally {
    tree.delete();
  }
}

/** The trimmed new texts of every edit of every fix of an analysis's findings. */
function editTexts(result: AnalysisResult): string[] {
  return result.findings.flatMap((f) => f.fixes.flatMap((fx) => fx.edits.map((e) => e.newText.trim())));
}

describe('engine', () => {
  it('contains a rule that throws: the failure is reported and other rules still report', () => {
    const boom: Rule = defineRule({ ...GO404, code: 'GO999', name: 'always-throws', check: () => { throw new Error('boom'); } });
    const result = analyzeText('go', NOTIFY, [boom, GO404], { path: 'a.go' });
    assert.deepEqual(result.failures.map((f) => [f.code, f.path]), [['GO999', 'a.go']]);
    assert.match(result.failures[0].error, /boom/);
    assert.deepEqual(result.findings.map((f) => f.code), ['GO404']);
  });

  it('hands each rule its options, and re-runs a rule whose options changed', () => {
    const echo: Rule = defineRule({
      ...GO404,
      code: 'GO998',
      name: 'echo-options',
      kinds: ['function_declaration'],
      check: (node, ctx) => ctx.report({ node, message: `floor=${String(ctx.options.floor ?? 'none')}` }),
    });
    const tree = sharedParser('go').parse(NOTIFY)!;
    try {
      const analyzer = new Analyzer('go', [echo]);
      const messages = (ruleOptions?: Record<string, Record<string, unknown>>) =>
        analyzer.analyze(NOTIFY, tree, { path: 'o.go', ruleOptions }).findings.map((f) => f.message);
      assert.deepEqual(messages(), ['floor=none']);
      assert.deepEqual(messages({ GO998: { floor: 2 } }), ['floor=2']);
      assert.deepEqual(messages({ GO998: { floor: 3 }, GO404: { other: true } }), ['floor=3']);
      assert.deepEqual(messages(), ['floor=none']);
    } finally {
      tree.delete();
    }
  });

  it('reports what the valid parts of a broken file allow', () => {
    const broken = NOTIFY + '\nfunc broken( {\n\tx := \n}\n\nfunc b(q chan os.Signal) {\n\tsignal.Notify(q, os.Interrupt)\n}\n';
    const result = analyzeText('go', broken, RULES, { path: 'b.go' });
    assert.equal(result.findings.filter((f) => f.code === 'GO404').length, 2);
  });

  it('re-analyses only the declarations that changed', () => {
    const tree1 = sharedParser('go').parse(NOTIFY)!;
    const analyzer = new Analyzer('go', RULES);
    const first = analyzer.analyze(NOTIFY, tree1, { path: 'c.go' });
    assert.equal(first.segmentsAnalyzed, first.segments);
    // A statement typed inside one body changes no declaration's summary: only that declaration is re-analysed.
    const edited = NOTIFY.replace('\tsignal.Notify(q, os.Interrupt)', '\tn := 1\n\t_ = n\n\tsignal.Notify(q, os.Interrupt)');
    const tree2 = sharedParser('go').parse(edited)!;
    const second = analyzer.analyze(edited, tree2, { path: 'c.go' });
    assert.equal(second.segments, first.segments);
    assert.equal(second.segmentsAnalyzed, 1, `re-analysed ${second.segmentsAnalyzed} of ${second.segments} segments`);
    assert.deepEqual(second.findings.map((f) => f.code), first.findings.map((f) => f.code));
    tree1.delete();
    tree2.delete();
  });

  it('re-runs a rule after a fact change only where it read that fact, through memo values too', () => {
    const names: FactProvider<string> = {
      id: 'test.funcNames',
      language: 'go',
      collect: (seg) => (seg.type === 'function_declaration' ? (seg.childForFieldName('name')?.text ?? '') : undefined),
    };
    const checked: string[] = [];
    // Calls to x* names are judged against the file's functions (read directly, or through a memo on the root);
    // other calls are judged without facts.
    const unknownCall: Rule = defineRule({
      ...GO404,
      code: 'GO997',
      name: 'unknown-x-call',
      kinds: ['call_expression'],
      facts: [names],
      check: (node, ctx) => {
        const callee = node.childForFieldName('function')?.text ?? '';
        checked.push(callee);
        if (!callee.startsWith('x')) return;
        const known = callee.startsWith('xm')
          ? ctx.memo(ctx.root, 'test.known', () => new Set(ctx.facts(names).map((f) => f.value)))
          : new Set(ctx.facts(names).map((f) => f.value));
        if (!known.has(callee)) ctx.report({ node, message: `unknown ${callee}` });
      },
    });
    const v1 = 'package p\n\nfunc a() { xb() }\n\nfunc c() { other() }\n\nfunc d() { xmb() }\n\nfunc e() { xmb() }\n\nfunc xb() {}\n\nfunc xmb() {}\n';
    const analyzer = new Analyzer('go', [unknownCall]);
    let incremental: string[] = [];
    const run = (text: string): string[] => {
      const tree = sharedParser('go').parse(text)!;
      try {
        checked.length = 0;
        const got = analyzer.analyze(text, tree, { path: 'f.go' }).findings.map((f) => f.message);
        incremental = checked.splice(0);
        const fresh = analyzeText('go', text, [unknownCall], { path: 'f.go' }).findings.map((f) => f.message);
        assert.deepEqual(got, fresh, 'incremental findings equal a fresh analysis');
        return got;
      } finally {
        tree.delete();
      }
    };
    const seen = (): string[] => incremental;
    assert.deepEqual(run(v1), []);
    // Renaming xb changes the facts: a() (read them), d() (computed the memo from them) and e() (reused that memo)
    // run again, c() does not.
    assert.deepEqual(run(v1.replace('func xb()', 'func xz()')), ['unknown xb']);
    assert.deepEqual(seen().sort(), ['xb', 'xmb', 'xmb']);
    // Renaming xmb: the same three, and now all are unknown.
    assert.deepEqual(run(v1.replace('func xb()', 'func xz()').replace('func xmb()', 'func xmz()')), ['unknown xb', 'unknown xmb', 'unknown xmb']);
    assert.deepEqual(seen().sort(), ['xb', 'xmb', 'xmb']);
    // A comment added between declarations moves the facts to other segments: the readers run again, c() still not.
    assert.deepEqual(run(v1.replace('func xb()', 'func xz()').replace('func xmb()', 'func xmz()').replace('\nfunc c()', '\n// c\nfunc c()')), ['unknown xb', 'unknown xmb', 'unknown xmb']);
    assert.deepEqual(seen().sort(), ['xb', 'xmb', 'xmb']);
  });

  it('recomputes fixes that depend on the imports when the imports change (incremental property test, seed 1197600690)', () => {
    const PY302 = findRule('PY302')!;
    const v1 = `import sys
import time


${RECV}`;
    const analyzer = new Analyzer('python', [PY302]);
    const fixTexts = (text: string): string[] => editTexts(analyzeLikeFresh(analyzer, text, 'r.py'));
    assert.deepEqual(fixTexts(v1), ['time.sleep(1.0)']);
    // Without the import, the same (unchanged) function's fix must add it.
    assert.deepEqual(fixTexts(v1.replace('import time\n', '')), ['import time', 'time.sleep(1.0)']);
    assert.deepEqual(fixTexts(v1), ['time.sleep(1.0)']);
  });

  it('re-analyses only the comment when a licence comment at the top changes, and keeps import fixes right', () => {
    const PY302 = findRule('PY302')!;
    const v1 = `# Copyright the authors.
# Licensed under the MIT licence.
import sys


${RECV}

def other():
    return 1
`;
    const analyzer = new Analyzer('python', [PY302]);
    const run = (text: string): AnalysisResult => analyzeLikeFresh(analyzer, text, 'h.py');
    const first = run(v1);
    assert.deepEqual(editTexts(first), ['import time', 'time.sleep(1.0)']);
    // The comment's text is not part of every rule's key: the functions keep their findings (moved), and the fix that
    // inserts the import still lands after the comment.
    const edited = run(v1.replace('the authors', 'the Steady authors'));
    assert.ok(edited.segmentsAnalyzed < edited.segments, `re-analysed ${edited.segmentsAnalyzed} of ${edited.segments} segments`);
    // A change to the imports still makes every rule run again.
    const imports = run(v1.replace('import sys\n', 'import sys\nimport os\n'));
    assert.equal(imports.segmentsAnalyzed, imports.segments);
  });

  describe('suppressions', () => {
    const run = (text: string) => analyzeText('go', text, [GO404], { path: 's.go' }).findings.map((f) => f.code);

    it('parses ids and reason', () => {
      assert.deepEqual(parseSuppressionBody(' GO101, signal-notify-without-sigterm only at startup'), {
        ids: ['GO101', 'signal-notify-without-sigterm'],
        reason: 'only at startup',
        offsets: [1, 8],
      });
      assert.deepEqual(parseSuppressionBody(' GO101'), { ids: ['GO101'], reason: '', offsets: [1] });
      assert.deepEqual(parseSuppressionBody(' GO101x reason'), { ids: [], reason: 'GO101x reason', offsets: [] });
    });
    it('silences a trailing comment on the anchor line, by code or name', () => {
      assert.deepEqual(run(NOTIFY.replace('os.Interrupt)', 'os.Interrupt) // steady:ignore GO404 dev tool')), []);
      assert.deepEqual(run(NOTIFY.replace('os.Interrupt)', 'os.Interrupt) // steady:ignore signal-notify-without-sigterm dev tool')), []);
    });
    it('silences the next line from a comment alone on its line', () => {
      assert.deepEqual(run(NOTIFY.replace('\tsignal.Notify', '\t// steady:ignore GO404 dev tool\n\tsignal.Notify')), []);
    });
    it('does not silence other rules, other lines, or text inside strings', () => {
      assert.deepEqual(run(NOTIFY.replace('os.Interrupt)', 'os.Interrupt) // steady:ignore GO101 other rule')), ['GO404']);
      assert.deepEqual(run(NOTIFY.replace('\tsignal.Notify', '\t// steady:ignore GO404 x\n\n\tsignal.Notify')), ['GO404']);
      assert.deepEqual(run(NOTIFY.replace('\tsignal.Notify', '\t_ = "// steady:ignore GO404 in a string"\n\tsignal.Notify')), ['GO404']);
    });
    it('silences a whole file from its leading comments only', () => {
      assert.deepEqual(run('// steady:ignore-file GO404 a CLI that is never containerised\n' + NOTIFY), []);
      assert.deepEqual(run(NOTIFY + '\n// steady:ignore-file GO404 too late\n'), ['GO404']);
    });
    it('works with # comments in Python', () => {
      const py = 'def f():\n    try:\n        g()\n    except:  # steady:ignore PY301 best effort\n        pass\n';
      assert.deepEqual(analyzeText('python', py, [findRule('PY301')!], { path: 'p.py' }).findings, []);
    });

    describe('hints about suppressions', () => {
      const hints = (text: string, rules = [GO404], language: 'go' | 'python' = 'go') =>
        analyzeText(language, text, rules, { path: language === 'go' ? 's.go' : 's.py' }).hints;
      /** The text after applying a hint's (only) fix. */
      const fixed = (text: string, h: { fixes: { edits: { start: number; end: number; newText: string }[] }[] }) =>
        applyEdits(text, h.fixes[0].edits);

      it('reports nothing for a used suppression with a reason', () => {
        assert.deepEqual(hints(NOTIFY.replace('os.Interrupt)', 'os.Interrupt) // steady:ignore GO404 dev tool')), []);
      });
      it('reports an unused suppression alone on its line, whose fix removes the line', () => {
        const text = NOTIFY.replace('func a(', '// steady:ignore GO404 nothing here\nfunc b() {}\n\nfunc a(').replace(
          'os.Interrupt)',
          'os.Interrupt) // steady:ignore GO404 dev tool',
        );
        const [h, ...rest] = hints(text);
        assert.deepEqual(rest, []);
        assert.equal(h.code, 'unused-suppression');
        assert.equal(h.severity, 'hint');
        assert.equal(text.slice(h.start, h.end), 'steady:ignore GO404 nothing here');
        assert.match(h.message, /GO404 reports nothing on its line/);
        assert.equal(h.fixes[0].applicability, 'assisted');
        assert.equal(fixed(text, h), text.replace('// steady:ignore GO404 nothing here\n', ''));
      });
      it('removes a trailing unused suppression with the spaces before it', () => {
        const text = NOTIFY.replace('func a(q chan os.Signal) {', 'func a(q chan os.Signal) { // steady:ignore GO404 wrong line');
        const [h] = hints(text);
        assert.equal(h.code, 'unused-suppression');
        assert.equal(fixed(text, h), NOTIFY);
      });
      it('removes only the unused ids when another id is used', () => {
        const rules = [GO404, findRule('GO101')!];
        const text = NOTIFY.replace('os.Interrupt)', 'os.Interrupt) // steady:ignore GO101, GO404 dev tool');
        const [h, ...rest] = hints(text, rules);
        assert.deepEqual(rest, []);
        assert.match(h.message, /GO101 reports nothing/);
        assert.equal(h.fixes[0].title, 'Remove GO101 from the suppression');
        assert.equal(fixed(text, h), NOTIFY.replace('os.Interrupt)', 'os.Interrupt) // steady:ignore GO404 dev tool'));
      });
      it('keeps another tool\'s directive sharing the comment', () => {
        const py = 'import os\nx = 1  # noqa: E501 steady:ignore PY301 old\n';
        const [h] = hints(py, [findRule('PY301')!], 'python');
        assert.equal(fixed(py, h), 'import os\nx = 1  # noqa: E501\n');
      });
      it('does not judge suppressions of rules that did not run', () => {
        assert.deepEqual(hints(NOTIFY.replace('func a(', '// steady:ignore GO101 not selected\nfunc a(')), []);
      });
      it('reports an unused file-level suppression', () => {
        const [h] = hints('// steady:ignore-file GO404 nothing to silence\npackage main\n');
        assert.equal(h.code, 'unused-suppression');
        assert.match(h.message, /in this file/);
        assert.equal(fixed('// steady:ignore-file GO404 nothing to silence\npackage main\n', h), 'package main\n');
      });
      it('reports a suppression without a reason, whose fix adds a placeholder reason', () => {
        const text = NOTIFY.replace('os.Interrupt)', 'os.Interrupt) // steady:ignore GO404');
        const [h, ...rest] = hints(text);
        assert.deepEqual(rest, []);
        assert.equal(h.code, 'suppression-without-reason');
        assert.deepEqual(analyzeText('go', text, [GO404], { path: 's.go' }).findings, [], 'it still silences');
        assert.equal(fixed(text, h), text.replace('GO404', 'GO404 TODO: say why this is safe'));
        const py = 'def f():\n    try:\n        g()\n    except:  # steady:ignore PY301\r\n        pass\n';
        const [p] = hints(py, [findRule('PY301')!], 'python');
        assert.equal(p.code, 'suppression-without-reason');
        assert.equal(fixed(py, p), py.replace('PY301', 'PY301 TODO: say why this is safe'));
      });
      it('does not report unused suppressions when a rule failed (its findings are unknown)', () => {
        const boom = defineRule({ ...GO404, kinds: ['call_expression'], check: () => { throw new Error('boom'); } });
        assert.deepEqual(hints(NOTIFY.replace('func a(', '// steady:ignore GO404 x\nfunc b() {}\n\nfunc a('), [boom]), []);
      });
    });
  });

  describe('fix helpers', () => {
    const go = (src: string) => {
      const tree = sharedParser('go').parse(src)!;
      const e = addGoImport(src, syntaxTree(tree, src), 'sync');
      tree.delete();
      return e ? applyEdits(src, [e]) : src;
    };
    it('adds a Go import to a group, a single import, or a file without imports', () => {
      assert.equal(go('package a\n\nimport (\n\t"os"\n\t"time"\n)\n'), 'package a\n\nimport (\n\t"os"\n\t"sync"\n\t"time"\n)\n');
      assert.equal(go('package a\n\nimport "os"\n'), 'package a\n\nimport (\n\t"os"\n\t"sync"\n)\n');
      assert.equal(go('package a\n\nfunc f() {}\n'), 'package a\n\nimport "sync"\n\nfunc f() {}\n');
      assert.equal(go('package a\n\nimport "sync"\n'), 'package a\n\nimport "sync"\n');
    });
    it('adds a Python import after the last import, or after the docstring', () => {
      const py = (src: string) => {
        const tree = sharedParser('python').parse(src)!;
        const e = addPythonImport(src, syntaxTree(tree, src), 'contextlib');
        tree.delete();
        return e ? applyEdits(src, [e]) : src;
      };
      assert.equal(py('import os\nimport sys\n\nx = 1\n'), 'import os\nimport sys\nimport contextlib\n\nx = 1\n');
      assert.equal(py('"""Doc."""\n\nx = 1\n'), '"""Doc."""\nimport contextlib\n\nx = 1\n');
      assert.equal(py('import contextlib\n'), 'import contextlib\n');
    });
    it('refuses overlapping edits', () => {
      assert.throws(() => applyEdits('abcdef', [{ start: 1, end: 3, newText: 'x' }, { start: 2, end: 4, newText: 'y' }]));
    });
  });

  describe('languages', () => {
    it('checks grammar ABI versions with a clear message', () => {
      assert.doesNotThrow(() => checkAbi('go', 15, 13, 15));
      assert.throws(() => checkAbi('go', 16, 13, 15), /go grammar has ABI version 16.*accepts 13\.\.15.*PROVENANCE/);
      assert.throws(() => checkAbi('python', 12, 13, 15), /python grammar has ABI version 12/);
    });
    it('finds languages by extension and Python shebang', () => {
      assert.equal(languageForPath('a/b.go'), 'go');
      assert.equal(languageForPath('a/b.py'), 'python');
      assert.equal(languageForPath('bin/tool', '#!/usr/bin/env python3'), 'python');
      assert.equal(languageForPath('bin/tool', '#!/bin/sh'), undefined);
      assert.equal(languageForPath('a/b.ts'), undefined);
    });
  });
});
