// Many callers, one statement: calls that arrive while the group commit is busy are handled
// together by one work of the next batch transaction (one statement for all of them instead of
// one each: less SQL to build and parse, fewer socket writes, fewer wake-ups of the database).
import type { GroupCommit, Tx } from "../db/index.js";

type Entry<I, R> = { item: I; resolve: (r: R) => void; reject: (e: unknown) => void };

/**
 * Returns a function that runs `item` through `run` in a group-commit transaction, together with
 * the items submitted before that work started; it resolves after the COMMIT. `run` answers one
 * result per item, in order. When a batch of several items fails, each item is tried again on
 * its own (as its own work, so the group commit keeps one item's failure from its neighbours).
 */
export function coalesced<I, R>(commit: () => GroupCommit, run: (tx: Tx, items: I[]) => Promise<R[]>): (item: I) => Promise<R> {
  let waiting: Entry<I, R>[] = [];

  const submit = (): void => {
    let mine: Entry<I, R>[] | null = null;
    const take = () => {
      mine ??= waiting;
      if (mine === waiting) waiting = [];
      return mine;
    };
    commit()
      // The group commit may run the work again in a new transaction (a neighbour failed): same items.
      .run((tx) => run(tx, take().map((e) => e.item)))
      .then(
        (results) => take().forEach((e, i) => e.resolve(results[i]!)),
        (err: unknown) => {
          const entries = take();
          if (entries.length === 1) return entries[0]!.reject(err);
          for (const e of entries) commit().run((tx) => run(tx, [e.item])).then(([r]) => e.resolve(r!), e.reject);
        },
      );
  };

  return (item) =>
    new Promise<R>((resolve, reject) => {
      waiting.push({ item, resolve, reject });
      if (waiting.length === 1) submit();
    });
}
