// A user's script: optionally starts whittle's default backend, then fails the way scripts do,
// with an uncaught error (`throw`) or an unhandled rejection (`reject`). Run by backends.mjs.
import { useBackend } from '../dist/index.js';

const [failure, backend] = process.argv.slice(2);
if (backend === 'wasm') await useBackend('wasm');
if (failure === 'throw') setTimeout(() => { throw new Error('the user script failed'); }, 0);
else Promise.reject(new Error('the user script failed'));
