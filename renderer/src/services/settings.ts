import type { AppInfo, LocalePreference } from '../../../preload/contract/schemas';
import { useStore } from '../store';
import { call, toUiError } from './api';

/** The interface language main settled on (the preference, or the system's), everywhere it shows. */
function applyLocale(info: AppInfo, preference: LocalePreference): void {
  const store = useStore.getState();
  store.setAppInfo(info);
  store.setLocale(info.locale, preference);
  document.documentElement.lang = info.locale;
}

export async function loadAppState(): Promise<void> {
  const [info, settings] = await Promise.all([call('getAppInfo'), call('getSettings')]);
  applyLocale(info, settings.locale);
  useStore.getState().setRecent(settings.recent);
}

export async function changeLocale(preference: LocalePreference): Promise<void> {
  try {
    await call('setLocale', { locale: preference });
    applyLocale(await call('getAppInfo'), preference);
  } catch (error) {
    useStore.getState().fail(toUiError(error));
  }
}
