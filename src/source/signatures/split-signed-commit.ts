/**
 * Splits a raw commit object into the signed payload and its signature, as git does: the
 * payload is the object without its `gpgsig` (or `gpgsig-sha256`) header, whose continuation
 * lines start with a space. (isomorphic-git's readCommit().payload only knows PGP armor.)
 */
export function splitSignedCommit(raw: string): { payload: string; signature?: string } {
  const end = raw.indexOf('\n\n');
  const head = end === -1 ? raw : raw.slice(0, end);
  const rest = end === -1 ? '' : raw.slice(end);
  const kept: string[] = [];
  const sig: string[] = [];
  let inSig = false;
  for (const line of head.split('\n')) {
    const start = /^(gpgsig|gpgsig-sha256) (.*)$/.exec(line);
    if (start && sig.length === 0) {
      inSig = true;
      sig.push(start[2]);
      continue;
    }
    if (inSig && line.startsWith(' ')) {
      sig.push(line.slice(1));
      continue;
    }
    inSig = false;
    kept.push(line);
  }
  return { payload: kept.join('\n') + rest, signature: sig.length ? sig.join('\n') + '\n' : undefined };
}
