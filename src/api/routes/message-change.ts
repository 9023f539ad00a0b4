/**
 * MessageDelete, MessageFlagsAdd, MessageFlagsRemove, MessageMove (docs/contract.md §1.5). An id that
 * is not the account's is `messageNotFound`; an already-deleted message, an unknown mailbox or
 * the current mailbox are `user` (the store's codes, mapped in the one error mapping).
 */
import { deleteMessage, moveMessage, updateFlags } from "../../store/index.js";
import type { ApiDeps } from "../deps.js";
import { normalizeFlags } from "../flags.js";
import { defineMethod, type ApiMethod } from "../registry.js";
import { emptyResult, msgIdRequest } from "../types.js";
import { t } from "../wire.js";

/** The four methods that change a message. */
export function messageChangeRoutes(deps: ApiDeps): ApiMethod[] {
  const { db } = deps.database;
  const flagsRequest = (name: string) => t.struct(name, { MsgID: t.int, Flags: t.list(t.string) });
  return [
    defineMethod({
      name: "MessageDelete",
      summary: "Removes a message permanently (no Trash).",
      request: msgIdRequest("MessageDeleteRequest"),
      response: emptyResult("MessageDeleteResult"),
      async handle(call, req) {
        await db.transaction((tx) => deleteMessage(tx, call.account.id, req.MsgID));
        return {};
      },
    }),
    defineMethod({
      name: "MessageFlagsAdd",
      summary: "Adds flags and keywords to a message; flags already set stay.",
      request: flagsRequest("MessageFlagsAddRequest"),
      response: emptyResult("MessageFlagsAddResult"),
      async handle(call, req) {
        const add = normalizeFlags(req.Flags);
        await db.transaction((tx) => updateFlags(tx, call.account.id, req.MsgID, (cur) => [...new Set([...cur, ...add])]));
        return {};
      },
    }),
    defineMethod({
      name: "MessageFlagsRemove",
      summary: "Removes flags and keywords from a message; absent ones are ignored.",
      request: flagsRequest("MessageFlagsRemoveRequest"),
      response: emptyResult("MessageFlagsRemoveResult"),
      async handle(call, req) {
        const remove = new Set(normalizeFlags(req.Flags));
        await db.transaction((tx) => updateFlags(tx, call.account.id, req.MsgID, (cur) => cur.filter((f) => !remove.has(f.toLowerCase()))));
        return {};
      },
    }),
    defineMethod({
      name: "MessageMove",
      summary: "Moves a message to another existing mailbox; its MsgID stays valid.",
      request: t.struct("MessageMoveRequest", { MsgID: t.int, DestMailboxName: t.string }),
      response: emptyResult("MessageMoveResult"),
      async handle(call, req) {
        await db.transaction((tx) => moveMessage(tx, call.account.id, req.MsgID, req.DestMailboxName));
        return {};
      },
    }),
  ];
}
