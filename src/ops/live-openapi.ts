// The OpenAPI document as it stands: made again whenever the server's
// commands are learned again (every (re)connect), so that each command the
// server offers beyond the built-in ones is a documented request body.
import type { ApiCommands } from '../admin/api-commands.js';
import { serverCommandSpecs } from '../api/admin/listing.js';
import { openApiDocument, type OpenApiInput } from './openapi.js';

export function liveOpenApi(input: Omit<OpenApiInput, 'serverCommands'>, commands: ApiCommands): () => Record<string, unknown> {
  let document = openApiDocument(input);
  commands.on('learned', (learned) => {
    document = openApiDocument({ ...input, serverCommands: serverCommandSpecs(learned.values()) });
  });
  return () => document;
}
