/**
 * Entry of the language server bundle (`dist/server.js`). Runs over stdio (`--stdio`), node IPC
 * (`--node-ipc`, how the VS Code client starts it) or a socket/pipe: `createConnection` picks the
 * transport from the command line.
 */
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { analyzeDocument } from '../model/analyze';
import { bundledWorkers } from './runs';
import { startSession } from './session';

const SERVER_VERSION = '0.1.0';

startSession(createConnection(ProposedFeatures.all), {
  // The URI names a scenario without a `scenario "title"` after its file.
  analyze: (text, { uri, hazards }) => analyzeDocument(text, { uri, hazards }),
  version: SERVER_VERSION,
  // The workers are bundled next to this file (dist/simWorker.js, dist/traceWorker.js).
  workers: bundledWorkers(__dirname),
});
