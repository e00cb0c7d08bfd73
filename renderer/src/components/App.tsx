import { useEffect, useState } from 'react';
import { useT } from '../i18n/useT';
import { openDroppedFile, openPath } from '../services/documents';
import { loadAppState } from '../services/settings';
import { toUiError } from '../services/api';
import { useStore } from '../store';
import { ErrorBanner } from './ErrorBanner';
import { LanguageSelect } from './LanguageSelect';
import { OtpDialog } from './OtpDialog';
import { PinDialog } from './PinDialog';
import { SettingsDialog } from './SettingsDialog';
import { StartScreen } from './StartScreen';
import { Viewer } from './Viewer';

function hasFiles(e: DragEvent): boolean {
  return Array.from(e.dataTransfer?.types ?? []).includes('Files');
}

/** Drag-and-drop anywhere in the window; the browser's own "navigate to the dropped file" is prevented. */
function useFileDrop(): boolean {
  const [dragging, setDragging] = useState(false);
  useEffect(() => {
    let depth = 0;
    const over = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      if (e.dataTransfer) e.dataTransfer.dropEffect = 'copy';
    };
    const enter = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      depth += 1;
      setDragging(true);
    };
    const leave = () => {
      depth = Math.max(0, depth - 1);
      if (depth === 0) setDragging(false);
    };
    const drop = (e: DragEvent) => {
      e.preventDefault();
      depth = 0;
      setDragging(false);
      const file = e.dataTransfer?.files[0];
      if (file) void openDroppedFile(file);
    };
    window.addEventListener('dragover', over);
    window.addEventListener('dragenter', enter);
    window.addEventListener('dragleave', leave);
    window.addEventListener('drop', drop);
    return () => {
      window.removeEventListener('dragover', over);
      window.removeEventListener('dragenter', enter);
      window.removeEventListener('dragleave', leave);
      window.removeEventListener('drop', drop);
    };
  }, []);
  return dragging;
}

export function App() {
  const t = useT();
  const doc = useStore((s) => s.doc);
  const ready = useStore((s) => s.appInfo !== null);
  const dragging = useFileDrop();
  const openSettings = useStore((s) => s.openSettings);

  useEffect(() => {
    loadAppState().catch((error: unknown) => useStore.getState().fail(toUiError(error)));
    return window.paraphe.onEvent('document:openRequested', ({ path }) => void openPath(path));
  }, []);

  useEffect(() => {
    document.title = doc ? `${doc.name} — Paraphe` : 'Paraphe';
  }, [doc]);

  return (
    <div className="app" data-ready={ready ? 'true' : 'false'}>
      <header className="app-header">
        <span className="brand">Paraphe</span>
        <span className="header-actions">
          <button type="button" onClick={openSettings}>{t('settings.open')}</button>
          <LanguageSelect />
        </span>
      </header>
      <ErrorBanner />
      {doc ? <Viewer /> : <StartScreen />}
      <PinDialog />
      <OtpDialog />
      <SettingsDialog />
      {dragging && (
        <div className="drop-overlay" aria-hidden="true">
          <p>{t('drop.overlay')}</p>
        </div>
      )}
    </div>
  );
}
