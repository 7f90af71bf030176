/**
 * reclass's parameter merge (datatypes/parameters.py `_merge_recurse`): dicts merge key by
 * key, anything else meeting an existing value is queued in a ValueList and decided at
 * interpolation time (lists concatenate, scalars replace, `~key` overrides, `=key` is
 * constant). A key's `~`/`=` prefix is applied when the entity is loaded (`initMerge`).
 *
 * `mergeInto` never mutates its `next` argument nor anything reachable from it. A merge
 * session (one node's merge) changes in place only the dicts and ValueLists it created itself,
 * and copies any other (they may belong to a class file or a cached merge).
 */
import { PDict, PList, Value, ValueList, type PNode } from './values.js';
import type { ReclassSettings } from '../settings.js';

function mergeInto(cur: PNode | undefined, next: PNode, s: ReclassSettings, session = 0): PNode {
  if (next instanceof PDict) {
    // In a session a dict is shared until something merges into it (then copied, see mergeDict).
    if (cur === undefined) return session !== 0 ? next : mergeDict(new PDict(next.pos), next, s, session);
    if (cur instanceof PDict) return mergeDict(cur, next, s, session);
    return updateValue(cur, next, session);
  }
  if (cur === undefined) return next;
  return updateValue(cur, next, session);
}

/**
 * Merges `next` into `cur`, handling prefixed keys, and returns the result. Without a session
 * the caller owns `cur` and it is changed in place; in a session, a `cur` the session did not
 * make is copied first (copy on write: a node's merge shares every untouched subtree with the
 * cached merge of its classes and with the class files themselves).
 */
export function mergeDict(cur: PDict, next: PDict, s: ReclassSettings, session = 0): PDict {
  if (session !== 0 && cur.owner !== session) cur = cur.copyFor(session);
  const kps = next.keyPos;
  next.entries.forEach((rawValue, rawKey) => {
    let key = rawKey;
    let value = rawValue;
    const c = key[0];
    if (c !== undefined && (c === s.overridePrefix || c === s.constantPrefix)) {
      key = key.slice(1);
      const v = toValue(value);
      value = c === s.overridePrefix ? v.withFlags({ overwrite: true }) : v.withFlags({ constant: true });
    }
    cur.entries.set(key, mergeInto(cur.entries.get(key), value, s, session));
    const kp = kps?.get(rawKey);
    if (kp) cur.setKeyPos(key, kp);
  });
  cur.pos = next.pos ?? cur.pos;
  return cur;
}

function toValue(node: PNode): Value {
  if (node instanceof Value) return node;
  if (node instanceof PDict) return new Value({ t: 'dict', d: node }, node.pos);
  if (node instanceof PList) return new Value({ t: 'list', l: node }, node.pos);
  // A ValueList under a prefixed key (only from a key like `~~x`): keep its last word.
  return node.values[node.values.length - 1];
}

function updateValue(cur: PNode, next: PNode, session: number): ValueList {
  const own = cur instanceof ValueList && session !== 0 && cur.session === session;
  const list = own ? cur : new ValueList(cur instanceof ValueList ? [...cur.values] : [toValue(cur)], session);
  if (next instanceof ValueList) list.values.push(...next.values);
  else list.values.push(toValue(next));
  return list;
}

let sessions = 0;
/** A new merge session id (one per node merge). */
export function newSession(): number {
  return ++sessions;
}

/** Merges a freshly wrapped tree into an empty dict: applies `~`/`=` prefixes (entity load). */
export function initMerge(tree: PDict, s: ReclassSettings): PDict {
  return mergeDict(new PDict(tree.pos), tree, s);
}
