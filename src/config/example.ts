import { z } from "zod";
import { stringify } from "yaml";
import { configSchema } from "./schema.js";

type JsonSchema = {
  type?: string;
  description?: string;
  default?: unknown;
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
};

/**
 * Renders config.example.yaml from the schema: every field with its description as a comment
 * and its default as the value. Array-of-object fields show one commented example entry.
 */
export function renderConfigExample(): string {
  const js = z.toJSONSchema(configSchema, { io: "input", unrepresentable: "any" }) as JsonSchema;
  const out: string[] = [
    "# Postwire configuration. Generated from src/config/schema.ts by `npm run config:example`;",
    "# do not edit by hand. Every field is optional: the value shown is the default. Unknown keys are",
    "# refused; `postwire config check FILE` lists every problem (serve runs the same check at start).",
    "",
  ];
  renderObject(js, 0, out);
  return out.join("\n") + "\n";
}

function renderObject(s: JsonSchema, depth: number, out: string[], commented = false): void {
  const pad = "  ".repeat(depth);
  // Commented example entries keep their indentation after the "#", so uncommenting works.
  const lead = commented ? `#${pad.slice(1)}` : pad;
  for (const [key, field] of Object.entries(s.properties ?? {})) {
    const f = unwrap(field);
    for (const line of (field.description ?? f.description ?? "").split("\n")) if (line) out.push(`${lead}# ${line}`);
    if (f.type === "object" && f.properties) {
      out.push(`${lead}${key}:`);
      renderObject(f, depth + 1, out, commented);
    } else if (f.type === "array" && f.items && unwrap(f.items).type === "object") {
      out.push(`${lead}${key}: []`);
      out.push(`${lead}# example entry:`);
      out.push(`#${pad.slice(1)}${key}:`);
      out.push(`#${pad.slice(1)}  -`);
      renderObject(unwrap(f.items), depth + 2, out, true);
    } else {
      const value = field.default ?? f.default ?? (f.type === "array" ? [] : null);
      out.push(`${lead}${key}: ${stringify(value, { flow: true }).trim()}`);
    }
  }
}

function unwrap(s: JsonSchema): JsonSchema {
  if (s.anyOf) {
    const inner = s.anyOf.find((x) => x.type !== "null") ?? {};
    return { ...inner, description: s.description ?? inner.description };
  }
  return s;
}
