// A catalogue is a flat map from every English key to its text in one language.
import type { MessageKey } from './en.js';

export type Catalog = Record<MessageKey, string>;
