// `npm run config:schema`: writes config.schema.json (config.yaml's JSON Schema, for editors)
// from the zod schema in src/config/config-schema.ts. Commit the result.
import { writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";

import { configJsonSchemaText } from "../src/config/config-json-schema.js";

const file = fileURLToPath(new URL("../config.schema.json", import.meta.url));
await writeFile(file, configJsonSchemaText());
console.log(`wrote ${file}`);
