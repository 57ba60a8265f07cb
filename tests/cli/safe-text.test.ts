// shared/text/safe-text.ts and shared/batch/each-input.ts on their own: what reaches a terminal or a JSON output
// from hostile text, and the loop's contract (order, failures, strict, cancellation).
import { describe, expect, it } from 'vitest';
import { errorLine, escapeControl, quoteForMessage, safeMessageLine } from '../../shared/text/safe-text.ts';
import { BatchInputError, failureReportLines, runEachInput } from '../../shared/batch/each-input.ts';

describe('safe text', () => {
  it('escapes C0, DEL, C1 and bidi controls and leaves printable text alone', () => {
    expect(escapeControl('a\u001b[2Jb')).toBe('a\\x1b[2Jb');
    expect(escapeControl('\u001b]8;;http://x\u0007link\u001b]8;;\u0007')).toBe('\\x1b]8;;http://x\\x07link\\x1b]8;;\\x07');
    expect(escapeControl('nul\u0000 tab\t nl\n cr\r del\u007f c1\u009b')).toBe('nul\\x00 tab\\t nl\\n cr\\r del\\x7f c1\\x9b');
    expect(escapeControl('abc\u202etxt.exe')).toBe('abc\\u{202e}txt.exe');
    expect(escapeControl('Å α NaCl 結晶 😀')).toBe('Å α NaCl 結晶 😀');
    expect(escapeControl('lone \ud800 surrogate')).toBe('lone \\u{d800} surrogate');
  });

  it('bounds quoted input and says how much was cut', () => {
    expect(quoteForMessage('Na')).toBe("'Na'");
    const quoted = quoteForMessage('x'.repeat(10_000_000));
    expect(quoted).toBe(`'${'x'.repeat(200)}'… (9999800 more characters)`);
    expect(quoteForMessage('abcdef', 3)).toBe("'abc'… (3 more characters)");
    // A surrogate pair is never split (the emoji is two UTF-16 units).
    expect(quoteForMessage('ab😀', 3)).toBe("'ab'… (2 more characters)");
    expect(safeMessageLine('y'.repeat(5000)).length).toBeLessThan(2100);
    expect(errorLine(new Error('first\u001b line\nsecond line'))).toBe('first\\x1b line');
  });
});

describe('runEachInput', () => {
  const work = (x: number) => {
    if (x % 2 === 0) throw new Error(`even number ${x}`);
    return x * 10;
  };

  it('keeps going, returns results in order and names each failure', async () => {
    const seen: string[] = [];
    const outcome = await runEachInput([1, 2, 3, 4, 5], work, { name: (x) => `in${x}`, onFailure: (f) => seen.push(f.file) });
    expect(outcome.succeeded.map((s) => [s.file, s.index, s.value])).toEqual([
      ['in1', 0, 10],
      ['in3', 2, 30],
      ['in5', 4, 50],
    ]);
    expect(outcome.failures).toEqual([
      { file: 'in2', error: 'in2: even number 2' },
      { file: 'in4', error: 'in4: even number 4' },
    ]);
    expect(seen).toEqual(['in2', 'in4']);
    expect(outcome.total).toBe(5);
    expect(failureReportLines(outcome.failures, outcome.total)).toEqual(['failed: 2 of 5 inputs', '  in2: even number 2', '  in4: even number 4']);
  });

  it('does not repeat a name the message already starts with', async () => {
    const outcome = await runEachInput(['a.cif'], () => {
      throw new Error('a.cif:3: bad cell');
    }, { name: (x) => x });
    expect(outcome.failures[0]!.error).toBe('a.cif:3: bad cell');
  });

  it('strict: the first failure ends the run, nothing after it runs', async () => {
    const ran: number[] = [];
    const run = runEachInput([1, 2, 3], (x) => (ran.push(x), work(x)), { name: (x) => `in${x}`, strict: true });
    await expect(run).rejects.toThrow(BatchInputError);
    await expect(runEachInput([1, 2, 3], work, { name: (x) => `in${x}`, strict: true })).rejects.toThrow('in2: even number 2');
    expect(ran).toEqual([1, 2]);
  });

  it('a cancel is not an input failure: it ends the run', async () => {
    const controller = new AbortController();
    const run = runEachInput(
      [1, 3, 5],
      (x) => {
        if (x === 3) {
          controller.abort();
          throw new Error('aborted');
        }
        return x;
      },
      { name: String, signal: controller.signal },
    );
    await expect(run).rejects.toThrow('aborted');
  });
});
