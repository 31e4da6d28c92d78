/** The page's entry: which view the address asks for. */
import { showList } from './list-view.js';
import { showSweep } from './sweep-view.js';
import { showCompare, showTrial } from './trial-view.js';

performance.mark('convsweep:script');
const app = document.getElementById('app')!;
const parts = location.pathname.split('/').filter(Boolean).map(decodeURIComponent);

if (parts[0] === 'sweep' && parts.length === 2) showSweep(app, parts[1]);
else if (parts[0] === 'sweep' && parts[2] === 'trial' && parts.length === 4) showTrial(app, parts[1], parts[3]);
else if (parts[0] === 'sweep' && parts[2] === 'compare') showCompare(app, parts[1], (new URLSearchParams(location.search).get('ids') ?? '').split(',').filter(Boolean));
else showList(app);
