import type { LocalePreference } from '../../../preload/contract/schemas';
import { useStore } from '../store';
import { call, toUiError } from './api';

export async function loadAppState(): Promise<void> {
  const [info, settings] = await Promise.all([call('getAppInfo'), call('getSettings')]);
  const store = useStore.getState();
  store.setAppInfo(info);
  store.setLocale(info.locale, settings.locale);
  store.setRecent(settings.recent);
  document.documentElement.lang = info.locale;
}

export async function changeLocale(preference: LocalePreference): Promise<void> {
  try {
    await call('setLocale', { locale: preference });
    const info = await call('getAppInfo');
    useStore.getState().setAppInfo(info);
    useStore.getState().setLocale(info.locale, preference);
    document.documentElement.lang = info.locale;
  } catch (error) {
    useStore.getState().fail(toUiError(error));
  }
}
