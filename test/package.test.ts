import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { ROOT } from './helpers/fixtures.js';

// The published entry points, loaded the way users load them (by package name, from dist/).
function node(args: string[]) {
  return spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8' });
}

describe('package entry points', () => {
  test('CommonJS require of mailjournal, mailjournal/node and mailjournal/web', () => {
    const r = node(['-e', "const m=require('mailjournal');const n=require('mailjournal/node');const w=require('mailjournal/web');console.log(typeof m.parseJournal, typeof m.isJournalError, typeof n.JournalTransform, typeof w.createJournalStream)"]);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('function function function function');
  });

  test('CommonJS: the subpaths share the core with mailjournal, so its error classes match with instanceof (audit, session 23)', () => {
    // Each .cjs file used to bundle a copy of the core: a LimitExceededError thrown through
    // mailjournal/node was no instance of the class mailjournal exports.
    const script = [
      "const m=require('mailjournal');const n=require('mailjournal/node');const w=require('mailjournal/web');",
      "const t=n.createJournalTransform({maxHeaderBytes:10,onLimit:'throw'});",
      "t.on('error',(e)=>console.log('node',e instanceof m.LimitExceededError,e instanceof m.JournalError));",
      "t.end(Buffer.from('Subject: '+'x'.repeat(100)+'\\n\\nbody\\n'));t.resume();",
      "const s=w.createJournalStream({maxHeaderBytes:10,onLimit:'throw'});",
      "s.report.catch((e)=>console.log('web',e instanceof m.LimitExceededError));",
      "const wr=s.writable.getWriter();wr.write(new TextEncoder().encode('Subject: '+'x'.repeat(100)+'\\n\\nbody\\n')).catch(()=>{});wr.close().catch(()=>{});",
      "s.readable.pipeTo(new WritableStream()).catch(()=>{});",
      "console.log('same', m.parseJournal===n.parseJournal);",
    ].join('');
    const r = node(['-e', script]);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim().split('\n').sort()).toEqual(['node true true', 'same true', 'web true']);
  });

  test('TypeScript finds the types of every entry point under node10, nodenext and bundler resolution', () => {
    // node10 ignores "exports": the subpaths' types come from "typesVersions". No skipLibCheck:
    // the .d.ts files themselves are checked (a stripped @internal type left a dangling name).
    // The parser's own public constructor only; the internal one is not in the types.
    const dir = mkdtempSync(path.join(tmpdir(), 'mj-types-'));
    try {
      mkdirSync(path.join(dir, 'node_modules'));
      symlinkSync(ROOT, path.join(dir, 'node_modules', 'mailjournal'), 'dir');
      const source = "import { JournalParser, parseJournal, type JournalReport } from 'mailjournal';\nimport { JournalTransform } from 'mailjournal/node';\nimport { createJournalStream } from 'mailjournal/web';\nexport const used: [typeof parseJournal, typeof JournalTransform, typeof createJournalStream] = [parseJournal, JournalTransform, createJournalStream];\nexport type R = JournalReport['kind'];\n" +
        // The 'report' event's listener gets a JournalReport, not any (audit, session 23): the
        // expect-error line is itself an error when the report is untyped.
        "// @ts-expect-error internal constructor\nexport const nested = new JournalParser({}, undefined, () => {});\nexport const parser = new JournalParser({ onOutput: () => {} });\n" +
        "const t = new JournalTransform();\nt.on('report', (r) => { const k: R = r.kind; void k; });\n// @ts-expect-error no such field\nt.once('report', (r) => r.noSuchField);\nt.on('error', (e) => e.message);\nt.on('data', (chunk: Buffer) => chunk.length);\n";
      writeFileSync(path.join(dir, 'use.ts'), source);
      for (const [module, resolution] of [['commonjs', 'node10'], ['nodenext', 'nodenext'], ['esnext', 'bundler']]) {
        const r = spawnSync(process.execPath, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '--noEmit', '--strict', '--types', 'node', '--typeRoots', path.join(ROOT, 'node_modules', '@types'), '--module', module!, '--moduleResolution', resolution!, 'use.ts'], { cwd: dir, encoding: 'utf8' });
        expect(r.stdout + r.stderr, resolution).toBe('');
        expect(r.status, resolution).toBe(0);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the tarball holds the built entry points, README, LICENSE and CHANGELOG, and no tests or fixtures', () => {
    // --ignore-scripts: no prepack build while other tests read dist/.
    const r = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const files: string[] = (JSON.parse(r.stdout) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path);
    for (const want of ['CHANGELOG.md', 'README.md', 'LICENSE', 'package.json', 'dist/index.js', 'dist/index.cjs', 'dist/index.d.ts', 'dist/node.cjs', 'dist/web.js', 'dist/cli.js']) {
      expect(files, want).toContain(want);
    }
    expect(files.filter((f) => /^(test|fixtures|bench|src)\//.test(f))).toEqual([]);
  });

  test('ESM import of mailjournal, mailjournal/node and mailjournal/web', () => {
    const r = node(['--input-type=module', '-e', "import {parseJournal} from 'mailjournal';import {JournalTransform} from 'mailjournal/node';import {createJournalStream} from 'mailjournal/web';const r=await parseJournal('X-MS-Journal-Report:\\nContent-Type: text/plain\\n\\nx');console.log(typeof JournalTransform, typeof createJournalStream, r.kind, r.defective)"]);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('function function journal-report true');
  });

  test('every limit default is exported and is what an option left out means', async () => {
    const m = await import('../src/index.js');
    const { resolveOptions } = await import('../src/options.js');
    const o = resolveOptions({});
    expect([m.MAX_HEADER_BYTES, m.MAX_ENVELOPE_BYTES, m.MAX_BUFFERED_BYTES, m.MAX_DEPTH, m.MAX_LINE_BYTES, m.MAX_NESTING, m.MAX_RECIPIENTS, m.MAX_PARTS]).toEqual([
      o.maxHeaderBytes,
      o.maxEnvelopeBytes,
      o.maxBufferedBytes,
      o.maxDepth,
      o.maxLineBytes,
      o.maxNesting,
      o.maxRecipients,
      o.maxParts,
    ]);
    expect(m.DEFAULT_REMOVE_HEADERS.map((h) => h.toLowerCase())).toEqual([...o.removeHeaders]);
    // Without parse options (a sink only), every parser shares one frozen resolution.
    expect(resolveOptions({ onOutput: () => {} } as object)).toBe(o);
    expect(Object.isFrozen(o)).toBe(true);
    expect(resolveOptions({ maxDepth: undefined } as object)).toBe(o);
    expect(resolveOptions({ maxDepth: 3 }).maxDepth).toBe(3);
    expect(() => resolveOptions({ maxDepth: 0 })).toThrow(TypeError);
    // Found by review: options given by getters of a class, or as non-enumerable properties,
    // must not be taken for "no options".
    class Opts {
      get maxDepth() {
        return 2;
      }
      get onLimit() {
        return 'throw' as const;
      }
    }
    expect(resolveOptions(new Opts())).toMatchObject({ maxDepth: 2, onLimit: 'throw' });
    expect(resolveOptions(Object.defineProperty({}, 'dedupKeys', { value: false, enumerable: false })).dedupKeys).toBe(false);
  });

  test('scalar options resolve once per combination; arrays, odd values and getters never share a stale result', async () => {
    const { resolveOptions } = await import('../src/options.js');
    const off = resolveOptions({ dedupKeys: false });
    expect(off.dedupKeys).toBe(false);
    expect(Object.isFrozen(off)).toBe(true);
    // Same combination (sinks aside): the same object; another value or another option: another.
    expect(resolveOptions({ dedupKeys: false, onOutput: () => {} } as object)).toBe(off);
    expect(resolveOptions({ dedupKeys: true })).not.toBe(off);
    expect(resolveOptions({ dedupKeys: false, mode: 'mailbox' })).toMatchObject({ dedupKeys: false, mode: 'mailbox' });
    // An invalid value throws every time, whatever was cached for a value that looks alike.
    expect(resolveOptions({ maxDepth: 5 }).maxDepth).toBe(5);
    for (let i = 0; i < 2; i++) expect(() => resolveOptions({ maxDepth: '5' } as never)).toThrow(TypeError);
    // A string cannot imitate two options (every name and string is quoted in the cache key).
    expect(() => resolveOptions({ mode: 'endpoint";"maxDepth"=n5;' } as never)).toThrow(TypeError);
    expect(resolveOptions({ mode: 'endpoint', maxDepth: 5 }).maxDepth).toBe(5);
    // Arrays can change between calls: never cached.
    const names = ['X-One'];
    const a = resolveOptions({ removeHeaders: names });
    names.push('X-Two');
    expect([...resolveOptions({ removeHeaders: names }).removeHeaders]).toEqual(['x-one', 'x-two']);
    expect([...a.removeHeaders]).toEqual(['x-one']);
    // A getter on a plain object is read once: the result is what that read said.
    let n = 0;
    const moving = Object.defineProperty({}, 'maxDepth', { get: () => ++n * 10, enumerable: true });
    expect(resolveOptions(moving).maxDepth).toBe(10);
    expect(resolveOptions(moving).maxDepth).toBe(20);
    // A combination that extends a remembered one, or names the same options in another order.
    expect(resolveOptions({ dedupKeys: false, maxDepth: 3 })).toMatchObject({ dedupKeys: false, maxDepth: 3 });
    expect(resolveOptions({ maxDepth: 3, dedupKeys: false })).toMatchObject({ dedupKeys: false, maxDepth: 3 });
    expect(resolveOptions({ maxDepth: 3 })).toMatchObject({ dedupKeys: true, maxDepth: 3 });
    expect(resolveOptions({ dedupKeys: false })).toBe(off);
    expect(resolveOptions({ trusted: true }).trusted).toBe(true);
    expect(() => resolveOptions({ trusted: 1 } as never)).toThrow(TypeError);
    // More combinations than the cache holds still resolve correctly.
    for (let d = 1; d <= 200; d++) expect(resolveOptions({ maxLineBytes: d }).maxLineBytes).toBe(d);
  });
});
