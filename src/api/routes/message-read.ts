/**
 * MessageGet, MessageRawGet, MessagePartGet (docs/contract.md §1.5): a stored message as JSON, its
 * raw bytes exactly as stored, or one MIME part transfer-decoded. Unknown, foreign and deleted
 * ids are all `messageNotFound`.
 */
import { getPart } from "../../message/index.js";
import type { ApiDeps } from "../deps.js";
import { ApiError } from "../errors.js";
import { bytesResponse, defineMethod, type ApiMethod } from "../registry.js";
import { messageGetResultT, msgIdRequest } from "../types.js";
import { t } from "../wire.js";
import { loadMessage, messageView, metaView, parsedForm, structureView } from "./stored-message.js";

/** The three read methods. */
export function messageReadRoutes(deps: ApiDeps): ApiMethod[] {
  const { db } = deps.database;
  return [
    defineMethod({
      name: "MessageGet",
      summary: "Returns a message's addresses, subject, text and HTML, MIME structure and delivery metadata.",
      request: msgIdRequest("MessageGetRequest"),
      response: messageGetResultT,
      async handle(call, req) {
        const m = await loadMessage(db, call.account.id, req.MsgID);
        const p = await parsedForm(m, deps.parse);
        return { Message: messageView(p), Structure: structureView(p, m), Meta: metaView(m) };
      },
    }),
    defineMethod({
      name: "MessageRawGet",
      summary: "Returns the message exactly as stored (not JSON).",
      request: msgIdRequest("MessageRawGetRequest"),
      response: bytesResponse,
      async handle(call, req) {
        const m = await loadMessage(db, call.account.id, req.MsgID);
        return { bytes: m.raw, contentType: "text/plain" };
      },
    }),
    defineMethod({
      name: "MessagePartGet",
      summary: "Returns one MIME part, transfer-decoded, by its path of indexes into Structure.Parts (not JSON).",
      request: t.struct("MessagePartGetRequest", { MsgID: t.int, PartPath: t.list(t.int) }),
      response: bytesResponse,
      async handle(call, req) {
        const m = await loadMessage(db, call.account.id, req.MsgID);
        const part = getPart(m.raw, req.PartPath);
        if (!part) throw new ApiError("partNotFound", `part ${JSON.stringify(req.PartPath)} not found`);
        return { bytes: part, contentType: "" };
      },
    }),
  ];
}
