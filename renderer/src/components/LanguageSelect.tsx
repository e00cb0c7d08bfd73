import type { LocalePreference } from '../../../preload/contract/schemas';
import { useT } from '../i18n/useT';
import { changeLocale } from '../services/settings';
import { useStore } from '../store';

export function LanguageSelect() {
  const t = useT();
  const preference = useStore((s) => s.localePreference);
  const systemLocale = useStore((s) => s.appInfo?.systemLocale ?? '');
  const systemLanguage = systemLocale.toLowerCase().startsWith('fr') ? t('language.fr') : t('language.en');
  return (
    <label className="language-select">
      <span className="visually-hidden">{t('language.label')}</span>
      <select aria-label={t('language.label')} value={preference} onChange={(e) => void changeLocale(e.target.value as LocalePreference)}>
        <option value="system">{t('language.system', { language: systemLanguage })}</option>
        <option value="en">{t('language.en')}</option>
        <option value="fr">{t('language.fr')}</option>
      </select>
    </label>
  );
}
