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

export function configName(config: ResolvedConfig, file: string): string {
  return config.name ?? basename(file, extname(file));
}

export async function prepareConfig(path: string): Promise<PreparedConfig> {
  const { config, file } = await loadConfigFile(path);
  const data = await loadDataset(config.dataset, file);
  checkAgainstDataset(config, file, { imageShape: data.imageShape, classes: data.classes });
  return { config: { ...config, name: configName(config, file), dataset: absoluteDataset(config.dataset, file) }, file, data };
}
