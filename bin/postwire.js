#!/usr/bin/env node
// Entry point for the `postwire` command: runs src/main.ts through tsx.
import { register } from "tsx/esm/api";
register();
await import("../src/main.ts");
