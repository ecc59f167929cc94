/**
 * The script tag when a lazy chunk cannot be fetched (a deploy that lost `calls-room-engine.js`, or the
 * network gone after the page loaded): the site page maps the engine chunk's URL to one the backend answers
 * with 404 (an import map), loads the real `calls-room.js` from the backend, and the element reports
 * `calls-error` `load-failed` (fatal, translated, shown), nothing is left unhandled, and Join tries again (another `load-failed` while the chunk is still missing).
 */
import { expect } from '@open-wc/testing';
import { testEnv } from '../helpers/env.ts';
import { openSite, until, type Site } from './script-tag-helpers.ts';

describe('the script tag: a lazy chunk that cannot load', function () {
  this.timeout(60_000);
  const sites: Site[] = [];
  afterEach(() => {
    for (const site of sites.splice(0)) {
      site.room.leave();
      site.frame.remove();
    }
  });

  it('reports calls-error load-failed, shows it, and Join tries again', async () => {
    const { backendUrl } = await testEnv();
    const backendOrigin = new URL(backendUrl).origin;
    const room = `load-failed-${crypto.randomUUID().slice(0, 8)}`;
    const site = await openSite(backendUrl, room, 'Ada', 'calls-room-engine.js');
    sites.push(site);

    const error = await until(() => site.win.callsErrors[0], 'calls-error');
    expect(error.code).to.equal('load-failed');
    expect(error.fatal).to.equal(true);
    expect(error.message).to.equal(
      'The video call could not be loaded. Check your connection and try again.',
    );
    expect(site.room.state.status).to.equal('failed');
    expect(site.room.model, 'no Room without its engine').to.equal(undefined);
    const missing = `${backendOrigin}/calls-room-not-deployed.js`;
    expect(site.win.performance.getEntriesByName(missing).length, 'the mapped URL was fetched').to.be.above(
      0,
    );

    const shown = await until(
      () => site.room.shadowRoot?.querySelector('[part="error"]')?.textContent,
      'the error shown',
    );
    expect(shown).to.contain('could not be loaded');
    const join = await until(
      () => site.room.shadowRoot?.querySelector<HTMLButtonElement>('[part="join-button"]'),
      'a Join button to try again',
    );
    join.click();
    await until(() => site.win.callsErrors.length === 2, 'a second calls-error after Join');
    expect(site.win.callsErrors[1]!.code).to.equal('load-failed');
    // join() rejected both times, and the element handled it: nothing unhandled on the page.
    expect(site.win.siteErrors).to.deep.equal([]);
  });
});
