/** The names of what a run leaves in its folder, for the code that writes them and the code that reads them back. */

/** The resolved config: `convsweep train` retrains it as is. */
export const CONFIG_FILE = 'config.json';
/** Written last: a folder with it is a complete run (sweep resume relies on that). */
export const METRICS_FILE = 'metrics.json';
export const HISTORY_FILE = 'history.csv';
