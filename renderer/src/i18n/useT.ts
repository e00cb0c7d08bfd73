import { useCallback } from 'react';
import { useStore } from '../store';
import { format } from './index';
import type { MessageKey, Params } from './index';

/** The translation function for the current interface language. */
export function useT(): (key: MessageKey, params?: Params) => string {
  const locale = useStore((s) => s.locale);
  return useCallback((key: MessageKey, params?: Params) => format(locale, key, params), [locale]);
}
