/** A config file → a validated config and its dataset, checked against each other. */
import { basename, extname } from 'node:path';
import { checkAgainstDataset, loadConfigFile, type ResolvedConfig } from '../config/load.js';
import type { Dataset } from '../data/dataset.js';
import { absoluteDataset, loadDataset } from '../data/load.js';

export interface PreparedConfig {
  config: ResolvedConfig;
  file: string;
  data: Dataset;
}

/**
 * The config as it must stand once copied away from its file (into a run or a sweep folder): named
 * after its file when it has no name, and with dataset paths made absolute.
 */
export function standaloneConfig(config: ResolvedConfig, file: string): ResolvedConfig {
  return { ...config, name: config.name ?? basename(file, extname(file)), dataset: absoluteDataset(config.dataset, file) };
}

export async function prepareConfig(path: string): Promise<PreparedConfig> {
  const { config, file } = await loadConfigFile(path);
  const data = await loadDataset(config.dataset, file);
  checkAgainstDataset(config, file, { imageShape: data.imageShape, classes: data.classes });
  return { config: standaloneConfig(config, file), file, data };
}
