// `chemveil token`: a token on stdout, its hash line on stderr in the tokens-file format the server reads.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parseTokenFile } from '@chemveil/server';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const bin = fileURLToPath(new URL('../bin/chemveil.js', import.meta.url));

describe('chemveil token', () => {
  it('prints a fresh token, and on stderr a line (with a comment) the server admits it by', async () => {
    const [first, second] = await Promise.all([run(process.execPath, [bin, 'token', 'lab-a']), run(process.execPath, [bin, 'token', 'lab-a'])]); // prettier-ignore
    const token = first.stdout.trim();
    expect(token).toMatch(/^cv_[A-Za-z0-9_-]{43}$/);
    expect(second.stdout.trim()).not.toBe(token);
    expect(first.stderr).not.toContain(token);
    // `2>> tokens` makes a valid file: the comment is skipped, the line admits exactly this token.
    const accounts = parseTokenFile(first.stderr).accounts;
    expect([...accounts]).toEqual([[createHash('sha256').update(token).digest('hex'), 'lab-a']]);
    const refused = await run(process.execPath, [bin, 'token', 'lab a']).catch((error: { code: number; stderr: string }) => error); // prettier-ignore
    expect(refused).toMatchObject({ code: 2 });
    expect((refused as { stderr: string }).stderr).toMatch(/account names are 1–64/);
  });
});
