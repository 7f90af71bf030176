import { startSmartServer } from '../test/integration/git/git-servers.js';
const s = await startSmartServer('/tmp/gk/b/up');
console.log(s.base);
