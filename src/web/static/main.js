// Starts the UI: language, header controls, the current session, the router.
'use strict';

async function start() {
  setLang(currentLang);
  document.getElementById('lang-select').addEventListener('change', (ev) => {
    setLang(ev.target.value);
    renderChrome();
    route();
  });
  document.getElementById('logout').addEventListener('click', async () => {
    try { await api('POST', '/api/logout', {}); } catch (e) { /* the session is gone either way */ }
    setSession(null, '');
    go('#/login');
  });
  window.addEventListener('hashchange', route);
  try {
    const me = await api('GET', '/api/me');
    setSession(me.account, me.csrf);
  } catch (e) {
    setSession(null, '');
  }
  await route();
}

document.addEventListener('DOMContentLoaded', start);
