// Writes config.example.yaml from the config schema. Run: npm run config:example
import { writeFileSync } from "node:fs";
import { renderConfigExample } from "../src/config/index.js";

writeFileSync(new URL("../config.example.yaml", import.meta.url), renderConfigExample());
console.log("wrote config.example.yaml");
