/** Picks the screen for the current state: connecting, login, or the main screen. */
import { useEffect } from 'react';
import { useFileDrop } from '../hooks/useFileDrop';
import { connect } from '../store/actions';
import { useStore } from '../store/app-store';
import { Spinner } from './common';
import { ConsentScreen } from './ConsentScreen';
import { LoginScreen } from './LoginScreen';
import { MainScreen } from './MainScreen';
import { Toasts } from './Toasts';

export function App() {
  const app = useStore((s) => s.app);
  useEffect(() => connect(), []);
  // until the first contact with the server we cannot tell a restored session from none; offline, we show what we have
  const settled = app !== null && (app.ready || app.offline);
  const loggedIn = settled && app.user !== null;
  useFileDrop(loggedIn);
  return (
    <>
      {!settled ? (
        <div className="splash" data-testid="splash">
          <div className="brand-mark brand-mark--large">AI照</div>
          <Spinner label="正在连接服务器…" />
        </div>
      ) : loggedIn && app.consent?.required ? (
        <ConsentScreen consent={app.consent} />
      ) : loggedIn ? (
        <MainScreen app={app} />
      ) : (
        <LoginScreen offline={app.offline} />
      )}
      <Toasts />
    </>
  );
}
